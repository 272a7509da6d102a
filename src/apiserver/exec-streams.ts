/**
 * The streams of one remotecommand (exec) session, whatever carries them: WebSocket channels
 * (exec-websocket.ts) or SPDY streams (exec-spdy.ts). runExec wires a process to them.
 */
import { spawn } from 'node:child_process';

export interface ExecStreams {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Registers handlers for the client's stdin and its end. */
  onStdin(data: (d: Buffer) => void, end: () => void): void;
  /** Called when the client goes away (the command is then killed). */
  onGone(cb: () => void): void;
  /** Sends the final Status (v4/v5 error channel) and closes the session. */
  finish(status: Record<string, unknown>): void;
}

/** Runs argv with its stdio on the session's streams; stdin is closed at once unless `stdin`. */
export function runExec(argv: string[], stdin: boolean, s: ExecStreams): void {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let done = false;
  const finish = (status: Record<string, unknown>): void => {
    if (done) return;
    done = true;
    s.finish(status);
  };
  child.stdout.on('data', (d: Buffer) => s.stdout(d));
  child.stderr.on('data', (d: Buffer) => s.stderr(d));
  child.stdin.on('error', () => undefined);
  // Without -i kubectl sends no stdin: the command must see EOF, not wait forever.
  if (!stdin) child.stdin.end();
  s.onStdin(
    (d) => child.stdin.write(d),
    () => child.stdin.end(),
  );
  s.onGone(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  child.on('error', (e) => finish({ status: 'Failure', message: e.message, reason: 'InternalError' }));
  child.on('close', (code, signal) => {
    const exit = code ?? (signal ? 128 : 1);
    finish(exit === 0 ? { status: 'Success' } : exitStatus(exit));
  });
}

/** The Status kubectl turns into "command terminated with exit code N" (and its own exit code). */
function exitStatus(code: number): Record<string, unknown> {
  return {
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

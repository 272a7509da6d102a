/**
 * The streams of one remotecommand (exec) session, whatever carries them: WebSocket channels
 * (exec-websocket.ts) or SPDY streams (exec-spdy.ts). runExec wires a process to them.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { type TerminalSize, resizeTerminal } from './exec-tty.js';

export interface ExecStreams {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Registers handlers for the client's stdin and its end. */
  onStdin(data: (d: Buffer) => void, end: () => void): void;
  /** Registers the handler for the client's terminal size changes (tty sessions). */
  onResize(cb: (size: TerminalSize) => void): void;
  /** Called when the client goes away (the command is then killed). */
  onGone(cb: () => void): void;
  /** Sends the final Status (v4/v5 error channel) and closes the session. */
  finish(status: Record<string, unknown>): void;
}

/** What to run: argv (for a tty, given the client's first window size) and the session's options. */
export interface ExecCommand {
  argv(size?: TerminalSize): string[];
  stdin: boolean;
  tty: boolean;
}

/** How long a tty session waits for the client's first window size before starting anyway. */
const FIRST_RESIZE_MS = 1000;

/**
 * Runs the command with its stdio on the session's streams; stdin is closed at once unless
 * `stdin`. A tty session starts once the first window size arrives (so the command starts at
 * the client's size), and later sizes resize its terminal (exec-tty.ts).
 */
export async function runExec(cmd: ExecCommand, s: ExecStreams): Promise<void> {
  let child: ChildProcessWithoutNullStreams | undefined;
  let gone = false;
  const early: Buffer[] = [];
  let earlyEnd = !cmd.stdin; // without -i kubectl sends no stdin: the command must see EOF
  s.onStdin(
    (d) => (child ? child.stdin.write(d) : early.push(d)),
    () => (child ? child.stdin.end() : (earlyEnd = true)),
  );
  s.onGone(() => {
    gone = true;
    if (child) killGroup(child);
  });
  const size = cmd.tty ? await firstResize(s, (next) => child?.pid && void resizeTerminal(child.pid, next)) : undefined;
  if (gone) return;
  const argv = cmd.argv(size);
  // Its own process group, so that a client going away ends what the command started too.
  child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stdin.on('error', () => undefined);
  for (const d of early) child.stdin.write(d);
  if (earlyEnd) child.stdin.end();
  wireOutput(child, s);
}

function killGroup(child: ChildProcessWithoutNullStreams): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Resolves with the first window size (or undefined after FIRST_RESIZE_MS); later ones go to `onLater`. */
function firstResize(s: ExecStreams, onLater: (size: TerminalSize) => void): Promise<TerminalSize | undefined> {
  return new Promise((resolve) => {
    let first = true;
    const timer = setTimeout(() => ((first = false), resolve(undefined)), FIRST_RESIZE_MS);
    s.onResize((size) => {
      if (!first) return onLater(size);
      first = false;
      clearTimeout(timer);
      resolve(size);
    });
  });
}

function wireOutput(child: ChildProcessWithoutNullStreams, s: ExecStreams): void {
  let done = false;
  const finish = (status: Record<string, unknown>): void => {
    if (done) return;
    done = true;
    s.finish(status);
  };
  child.stdout.on('data', (d: Buffer) => s.stdout(d));
  child.stderr.on('data', (d: Buffer) => s.stderr(d));
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

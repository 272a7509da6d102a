/**
 * `kubectl exec -t`: the command gets a terminal. Node has no pty without a native addon, so the
 * command runs under util-linux `script`, which allocates one (inside the container's mount
 * namespace, where it runs); the client's window size (remotecommand's resize messages,
 * `{"Width":80,"Height":24}`) is set on the pty with `stty`, through /proc/<pid>/fd/0 of the
 * command, which reaches the same pty from any mount namespace.
 */
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';

export interface TerminalSize {
  Width: number;
  Height: number;
}

const RESIZE_ATTEMPTS = 40;
const RESIZE_RETRY_MS = 50;

/** `sh -c`-safe quoting of one argument. */
const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The argv that runs `command` on a new pty (stdout and stderr both become the terminal), sized
 * `size` before the command starts when known.
 */
export function ttyCommand(command: string[], size?: TerminalSize): string[] {
  const sizing = size ? `stty cols ${size.Width} rows ${size.Height} 2>/dev/null; ` : '';
  return ['script', '--quiet', '--flush', '--return', '--command', `${sizing}exec ${command.map(quote).join(' ')}`, '/dev/null'];
}

/** Parses the resize messages in a chunk of the resize stream (JSON objects, back to back). */
export function parseResize(chunk: string): TerminalSize[] {
  const out: TerminalSize[] = [];
  for (const m of chunk.match(/\{[^{}]*\}/g) ?? []) {
    try {
      const s = JSON.parse(m) as Partial<TerminalSize>;
      if (Number.isInteger(s.Width) && Number.isInteger(s.Height)) out.push({ Width: s.Width!, Height: s.Height! });
    } catch {
      // a malformed message is ignored, as the kubelet logs and skips it
    }
  }
  return out;
}

/**
 * Sets the window size of the pty `script` (pid `scriptPid`) gave its child, waiting briefly for
 * that child to exist: kubectl sends the first size as soon as the session opens.
 */
export async function resizeTerminal(scriptPid: number, size: TerminalSize): Promise<void> {
  for (let i = 0; i < RESIZE_ATTEMPTS; i++) {
    const tty = await childTerminal(scriptPid);
    if (tty) {
      await new Promise<void>((resolve) => execFile('stty', ['-F', tty, 'cols', String(size.Width), 'rows', String(size.Height)], () => resolve()));
      return;
    }
    await new Promise((r) => setTimeout(r, RESIZE_RETRY_MS));
  }
}

/** /proc/<child>/fd/0 of script's child when it is a pty slave. */
async function childTerminal(scriptPid: number): Promise<string | undefined> {
  const children = (await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
  for (const pid of children) {
    const fd = `/proc/${pid}/fd/0`;
    if ((await readlink(fd).catch(() => '')).startsWith('/dev/pts/')) return fd;
  }
  return undefined;
}

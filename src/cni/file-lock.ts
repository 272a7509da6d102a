/**
 * A cross-process exclusive lock on a file, held by a `flock(1)` child for as long as `fn`
 * runs (Node has no flock(2)). Standalone plugins are separate processes that a runtime may
 * run in parallel; a read-modify-write of shared kernel state (portmap's table nat) must not
 * interleave, or a chain declared as missing by one process flushes another's rules.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CniError, CniErrorCode } from './types.js';

const LOCK_TIMEOUT_S = 30;

export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const child = spawn('flock', ['-x', '-w', String(LOCK_TIMEOUT_S), path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', (e) => reject(new CniError(CniErrorCode.Internal, `cannot run flock for ${path}`, e.message)));
    child.once('exit', (code) => reject(new CniError(CniErrorCode.TryAgainLater, `cannot lock ${path}`, `flock exit ${code}: ${stderr.trim()}`)));
  });
  try {
    return await fn();
  } finally {
    child.stdin.end();
    await exited;
  }
}

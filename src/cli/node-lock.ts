/**
 * One node change at a time per cluster: `node add` picks the next free name and address from
 * cluster.json and writes it back, so two at once would pick the same. The lock is a file
 * holding its owner's pid; a lock whose owner died (killed mid-change) is taken over.
 */
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, sleep } from '../cluster/processes.js';

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const owner = Number(readFileSync(path, 'utf8').trim() || 0);
  // An empty file is a lock being written this instant: wait for it.
  if (owner > 0 && !isAlive(owner)) rmSync(path, { force: true });
  return false;
}

/** Runs `fn` holding `<root>/run/nodes.lock`; waits up to `timeoutMs` for another node change. */
export async function withNodeLock<T>(root: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const path = join(root, 'run', 'nodes.lock');
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(path)) {
    if (Date.now() > deadline) throw new Error(`Another node add/remove holds ${path} (pid ${readFileSync(path, 'utf8').trim()}); try again later`);
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

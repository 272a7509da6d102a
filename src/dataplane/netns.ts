/**
 * Network namespaces by name (`/run/netns/<name>`), as `ip netns` manages them. Every name
 * podnet creates starts with a per-cluster prefix, so listing by prefix finds all of a cluster's.
 */
import { readdir } from 'node:fs/promises';
import { ip, isAlreadyExists, isNotFound, run } from './exec.js';

export const NETNS_DIR = '/run/netns';

/** Creates netns `name` with `lo` up; an existing one is kept. */
export async function netnsAdd(name: string): Promise<void> {
  try {
    await ip(undefined, ['netns', 'add', name]);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  await ip(name, ['link', 'set', 'lo', 'up']);
}

/** Deletes netns `name`; a missing one is not an error. */
export async function netnsDel(name: string): Promise<void> {
  try {
    await ip(undefined, ['netns', 'del', name]);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export async function netnsList(prefix = ''): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(NETNS_DIR);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix)).sort();
}

export async function netnsExists(name: string): Promise<boolean> {
  return (await netnsList(name)).includes(name);
}

/** Runs `cmd args` inside netns `name` (with its /etc/netns/<name> files bind-mounted over /etc). */
export async function netnsExec(name: string, cmd: string, args: readonly string[], input?: string) {
  return run('ip', ['netns', 'exec', name, cmd, ...args], { input });
}

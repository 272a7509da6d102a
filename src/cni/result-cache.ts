/**
 * libcni's result cache: `<cacheDir>/<netName>-<containerID>-<ifName>`, JSON of kind
 * `cniCacheV1`, mode 0600. It supplies prevResult to DEL and CHECK, and the config of the
 * ADD when the conflist has since disappeared.
 */
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CniResult } from './types.js';

export interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  /** The conflist bytes, base64. */
  config: string;
  ifName: string;
  networkName: string;
  netns: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}

export interface CacheKey {
  networkName: string;
  containerId: string;
  ifName: string;
}

export const cachePath = (dir: string, k: CacheKey): string => join(dir, `${k.networkName}-${k.containerId}-${k.ifName}`);

export async function writeCache(dir: string, e: CacheEntry): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = cachePath(dir, e);
  const tmp = `${path}.tmp${process.pid}`;
  await writeFile(tmp, JSON.stringify(e), { mode: 0o600 });
  await rename(tmp, path);
}

/** The entry, or undefined when there is none (or it is unreadable). */
export async function readCache(dir: string, k: CacheKey): Promise<CacheEntry | undefined> {
  try {
    const e = JSON.parse(await readFile(cachePath(dir, k), 'utf8')) as CacheEntry;
    return e.kind === 'cniCacheV1' ? e : undefined;
  } catch {
    return undefined;
  }
}

export async function deleteCache(dir: string, k: CacheKey): Promise<void> {
  await unlink(cachePath(dir, k)).catch(() => undefined);
}

/** The entry for (containerId, ifName) under any network name (when the conflist is gone). */
export async function findCache(dir: string, containerId: string, ifName: string): Promise<CacheEntry | undefined> {
  const suffix = `-${containerId}-${ifName}`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter((x) => x.endsWith(suffix))) {
    const e = await readCache(dir, { networkName: n.slice(0, -suffix.length), containerId, ifName });
    if (e && e.containerId === containerId && e.ifName === ifName) return e;
  }
  return undefined;
}

/** Every readable entry of `networkName` in `dir`. */
export async function listCache(dir: string, networkName: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    if (!n.startsWith(`${networkName}-`) || n.includes('.tmp')) continue;
    const e = await readFile(join(dir, n), 'utf8').then((t) => JSON.parse(t) as CacheEntry, () => undefined);
    if (e?.kind === 'cniCacheV1' && e.networkName === networkName) out.push(e);
  }
  return out;
}

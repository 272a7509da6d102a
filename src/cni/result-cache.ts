/**
 * libcni's result cache: `<cacheDir>/<netName>-<containerID>-<ifName>`, JSON of kind
 * `cniCacheV1`, mode 0600 (`dir` here is libcni's `<cacheDir>/results`). It supplies
 * prevResult to DEL and CHECK, the stale attachments to GC, and the config of the ADD when
 * the conflist has since disappeared. Written byte for byte as libcni writes it (Go's
 * encoding/json: struct field order, omitempty, map keys sorted), so either runtime reads the
 * other's files (test/integration/cni-runtime-libcni/).
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
  /** Absent in entries written by libcni before 1.2 (it did not record the netns). */
  netns?: string;
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

/** Go's json.Marshal of a map: keys sorted, recursively (arrays keep their order). */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeysDeep(o[k])]));
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * A plugin's result as libcni hands it on (prevResult) and caches it: decoded into the typed
 * result and encoded again, so empty optional fields go, `dns` is always there (a struct,
 * never omitted), and keys come out sorted.
 */
export function libcniResult(r: CniResult): CniResult {
  const prune = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(prune);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([, x]) => !isEmpty(x)).map(([k, x]) => [k, prune(x)]));
  };
  const pruned = prune(r) as CniResult;
  return sortKeysDeep({ dns: {}, ...pruned }) as CniResult;
}

/** The file's text: libcni's cachedInfo field order; netns, cniArgs, capabilityArgs omitted when empty. */
export function encodeCache(e: CacheEntry): string {
  const caps = e.capabilityArgs && Object.keys(e.capabilityArgs).length > 0 ? sortKeysDeep(e.capabilityArgs) : undefined;
  return JSON.stringify({
    kind: e.kind, containerId: e.containerId, config: e.config, ifName: e.ifName, networkName: e.networkName,
    netns: e.netns || undefined, cniArgs: e.cniArgs?.length ? e.cniArgs : undefined, capabilityArgs: caps, result: e.result,
  });
}

export async function writeCache(dir: string, e: CacheEntry): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = cachePath(dir, e);
  const tmp = `${path}.tmp${process.pid}`;
  await writeFile(tmp, encodeCache(e), { mode: 0o600 });
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

const writerAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes `<networkName>-….tmp<pid>` files whose writer is dead: what writeCache leaves when a
 * kill -9 lands between its write and its rename. Returns the names removed.
 */
export async function removeStaleTemps(dir: string, networkName: string): Promise<string[]> {
  const gone: string[] = [];
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const m = /\.tmp(\d+)$/.exec(n);
    if (!n.startsWith(`${networkName}-`) || !m || writerAlive(Number(m[1]))) continue;
    await unlink(join(dir, n)).then(() => gone.push(n), () => undefined);
  }
  return gone;
}

/** Every readable entry of `networkName` in `dir`, in file name order (libcni GetCachedAttachments). */
export async function listCache(dir: string, networkName: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  for (const n of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (!n.startsWith(`${networkName}-`) || n.includes('.tmp')) continue;
    const e = await readFile(join(dir, n), 'utf8').then((t) => JSON.parse(t) as CacheEntry, () => undefined);
    if (e?.kind === 'cniCacheV1' && e.networkName === networkName && e.ifName && e.containerId) out.push(e);
  }
  return out;
}

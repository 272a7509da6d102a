/**
 * The reference host-local on-disk store, byte for byte: `<dataDir>/<network>/<ip>` holding
 * `<containerID>\r\n<ifname>`, `last_reserved_ip.<rangeSetIndex>` holding the last IP handed
 * out, and an empty `lock` file (the reference's flock target).
 *
 * Locking: Node has no flock(2). podnet serializes in two layers: an in-process queue per
 * directory (the CNI server handles every ADD/DEL of a node in one process), then an O_EXCL
 * sidecar `lock.podnet` holding the owner's pid and that pid's start time, removed on unlock,
 * so standalone plugin processes exclude each other too. A sidecar whose process is gone is
 * stale and taken over; the start time tells a reused pid (pids wrap at 32768 here, quickly
 * under pod churn) from the owner, which would otherwise wedge the store after a kill -9.
 * This does NOT exclude a reference plugin (which flocks `lock`) running on the same store.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CniError, CniErrorCode } from '../types.js';
import { type IpamStore, recordFor, recordMatches } from './store.js';

const LAST_RESERVED_PREFIX = 'last_reserved_ip.';
const LOCK_FILE = 'lock';
const SIDECAR = 'lock.podnet';
const LOCK_TIMEOUT_MS = 10_000;

const queues = new Map<string, Promise<void>>();

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined when gone. */
async function startTime(pid: number | 'self'): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** How long a sidecar may stay without an owner written into it: its creator writes at once. */
const UNWRITTEN_GRACE_MS = 1000;

/**
 * Whether the sidecar at `path` is stale: its owner is gone, or it names none (an owner killed
 * between creating and writing it) and is older than a live creator would leave it.
 */
async function sidecarStale(path: string, text: string | undefined): Promise<boolean> {
  if (text !== undefined) return !(await ownerAlive(text));
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > UNWRITTEN_GRACE_MS;
}

/**
 * Removes an empty reservation older than the grace period: its writer was killed between
 * creating and filling it (we hold the lock, so no writer is at work), and no DEL could ever
 * match it to release it. Returns whether it did.
 */
async function reclaimUnwritten(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.size > 0 || Date.now() - st.mtimeMs <= UNWRITTEN_GRACE_MS) return false;
  await unlink(path).catch(() => undefined);
  return true;
}

/** The sidecar's text for this process: `<pid> <start time>`. */
async function ownerText(): Promise<string> {
  return `${process.pid} ${(await startTime('self')) ?? ''}`.trim();
}

/** Whether the sidecar's owner still runs: same pid and, when recorded, the same start time. */
async function ownerAlive(text: string): Promise<boolean> {
  const [pidText, start] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!(pid > 0) || !pidAlive(pid)) return false;
  return start === undefined || start === (await startTime(pid));
}

export class DiskStore implements IpamStore {
  readonly dir: string;
  private releaseQueue: (() => void) | undefined;

  constructor(dataDir: string, network: string) {
    if (network.includes('/') || network === '..' || network === '.') {
      throw new CniError(CniErrorCode.InvalidNetworkConfig, `name: Invalid network name ${JSON.stringify(network)}`);
    }
    this.dir = join(dataDir, network);
  }

  async lock(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const prev = queues.get(this.dir) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    queues.set(this.dir, tail);
    await prev;
    this.releaseQueue = () => {
      release();
      if (queues.get(this.dir) === tail) queues.delete(this.dir);
    };
    try {
      await this.acquireSidecar();
    } catch (e) {
      this.releaseInProcess();
      throw e;
    }
  }

  async unlock(): Promise<void> {
    await unlink(join(this.dir, SIDECAR)).catch(() => undefined);
    this.releaseInProcess();
  }

  private releaseInProcess(): void {
    const release = this.releaseQueue;
    this.releaseQueue = undefined;
    release?.();
  }

  private async acquireSidecar(): Promise<void> {
    const path = join(this.dir, SIDECAR);
    await writeFile(join(this.dir, LOCK_FILE), '', { flag: 'a', mode: 0o750 });
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    const me = await ownerText();
    for (;;) {
      try {
        await writeFile(path, me, { flag: 'wx', mode: 0o600 });
        return;
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
      }
      const text = await readFile(path, 'utf8').catch(() => '');
      const owner = Number(text.trim().split(' ')[0]);
      if (await sidecarStale(path, owner > 0 ? text : undefined)) {
        // Stale: its process died holding the lock. Rename first so only one taker wins.
        await rename(path, `${path}.stale.${process.pid}`).then(() => unlink(`${path}.stale.${process.pid}`), () => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new CniError(CniErrorCode.TryAgainLater, `host-local: Cannot lock ${this.dir}: held by pid ${owner || 'unknown'}`);
      }
      await sleep(5);
    }
  }

  async reserve(id: string, ifname: string, ip: string, rangeId: string): Promise<boolean> {
    const path = join(this.dir, ip);
    let fh;
    try {
      fh = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
      if (!(await reclaimUnwritten(path))) return false;
      return this.reserve(id, ifname, ip, rangeId);
    }
    try {
      await fh.writeFile(recordFor(id, ifname));
    } finally {
      await fh.close();
    }
    try {
      await writeFile(join(this.dir, LAST_RESERVED_PREFIX + rangeId), ip, { mode: 0o644 });
    } catch (e) {
      await unlink(path).catch(() => undefined);
      throw e;
    }
    return true;
  }

  async lastReservedIP(rangeId: string): Promise<string | undefined> {
    try {
      return (await readFile(join(this.dir, LAST_RESERVED_PREFIX + rangeId), 'utf8')).trim();
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Files that may hold a record: everything but the bookkeeping files. */
  async list(): Promise<Array<[string, string]>> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if (errno(e) === 'ENOENT') return [];
      throw e;
    }
    const candidates = names.filter((n) => n !== LOCK_FILE && !n.startsWith(SIDECAR) && !n.startsWith(LAST_RESERVED_PREFIX));
    const out: Array<[string, string]> = [];
    for (const n of candidates) {
      const content = await readFile(join(this.dir, n), 'utf8').catch(() => undefined);
      if (content !== undefined) out.push([n, content]);
    }
    return out;
  }

  async releaseByID(id: string, ifname: string): Promise<void> {
    for (const [name, content] of await this.list()) {
      if (recordMatches(content, id, ifname)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  async release(ip: string): Promise<void> {
    if (ip.includes('/') || ip === LOCK_FILE || ip.startsWith(SIDECAR) || ip.startsWith(LAST_RESERVED_PREFIX)) return;
    await unlink(join(this.dir, ip)).catch(() => undefined);
  }

  async getByID(id: string, ifname: string): Promise<string[]> {
    return (await this.list()).filter(([, c]) => recordMatches(c, id, ifname)).map(([n]) => n);
  }
}

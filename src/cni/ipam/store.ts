/**
 * host-local's state, behind the same small interface the reference plugin keeps
 * (plugins/ipam/host-local/backend.Store): a disk store byte-compatible with the reference
 * layout, and an in-memory twin for tests of the allocator.
 */
export interface IpamStore {
  /** Exclusive access to the network's state until unlock(). */
  lock(): Promise<void>;
  unlock(): Promise<void>;
  /** Records `ip` for (id, ifname) and remembers it as the last one reserved in `rangeId`; false if taken. */
  reserve(id: string, ifname: string, ip: string, rangeId: string): Promise<boolean>;
  lastReservedIP(rangeId: string): Promise<string | undefined>;
  /** Forgets every IP held by (id, ifname) (or by a legacy record holding only `id`). */
  releaseByID(id: string, ifname: string): Promise<void>;
  getByID(id: string, ifname: string): Promise<string[]>;
  /** Every reservation as [ip, record content] (for GC). */
  list(): Promise<Array<[string, string]>>;
  /** Forgets one reservation. */
  release(ip: string): Promise<void>;
}

/** The record content the reference writes: `<containerID>\r\n<ifname>`. */
export const recordFor = (id: string, ifname: string): string => `${id.trim()}\r\n${ifname}`;

/** Whether a stored record belongs to (id, ifname); a bare `id` is the legacy pre-ifname form. */
export const recordMatches = (content: string, id: string, ifname: string): boolean => {
  const c = content.trim();
  return c === recordFor(id, ifname) || c === id.trim();
};

/** In-memory twin of the disk store: the same semantics, no files. */
export class MemoryStore implements IpamStore {
  readonly ips = new Map<string, string>();
  readonly lastReserved = new Map<string, string>();
  private locked = false;

  async lock(): Promise<void> {
    if (this.locked) throw new Error('memory store: lock: already locked');
    this.locked = true;
  }

  async unlock(): Promise<void> {
    this.locked = false;
  }

  async reserve(id: string, ifname: string, ip: string, rangeId: string): Promise<boolean> {
    if (this.ips.has(ip)) return false;
    this.ips.set(ip, recordFor(id, ifname));
    this.lastReserved.set(rangeId, ip);
    return true;
  }

  async lastReservedIP(rangeId: string): Promise<string | undefined> {
    return this.lastReserved.get(rangeId);
  }

  async releaseByID(id: string, ifname: string): Promise<void> {
    for (const [ip, rec] of this.ips) if (recordMatches(rec, id, ifname)) this.ips.delete(ip);
  }

  async getByID(id: string, ifname: string): Promise<string[]> {
    return [...this.ips].filter(([, rec]) => recordMatches(rec, id, ifname)).map(([ip]) => ip);
  }

  async list(): Promise<Array<[string, string]>> {
    return [...this.ips];
  }

  async release(ip: string): Promise<void> {
    this.ips.delete(ip);
  }
}

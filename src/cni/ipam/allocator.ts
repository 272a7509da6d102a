/**
 * host-local's allocator over one range set: round-robin from the address after the last one
 * reserved in this set (or from the first range's rangeStart), across the set's ranges in
 * order, wrapping once, skipping each range's gateway; the store's O_EXCL reserve decides
 * races. One (containerID, ifname) may hold only one IP per range set.
 */
import { CniError, CniErrorCode, type CniIPConfig } from '../types.js';
import { type IP, addIP, formatCIDR, formatIP, ipEqual, parseIP } from '../ip/addr.js';
import { describeRangeSet } from './config.js';
import { type Range, type RangeSet, rangeFor } from './range.js';
import type { IpamStore } from './store.js';

interface Candidate {
  ip: IP;
  range: Range;
}

/** Every allocatable address of `set`, starting after `last` when it lies in the set. */
export function* candidates(set: RangeSet, last: IP | undefined): Generator<Candidate> {
  const lastIdx = last ? rangeFor(set, last) : -1;
  let ri = lastIdx >= 0 ? lastIdx : 0;
  let cur: IP | undefined = lastIdx >= 0 ? last : undefined;
  let start: IP | undefined;
  for (;;) {
    if (cur === undefined) {
      cur = set[ri].rangeStart;
    } else if (ipEqual(cur, set[ri].rangeEnd)) {
      ri = (ri + 1) % set.length;
      cur = set[ri].rangeStart;
    } else {
      cur = addIP(cur, 1n);
    }
    if (start === undefined) start = cur;
    else if (ipEqual(cur, start)) return;
    if (!ipEqual(cur, set[ri].gateway)) yield { ip: cur, range: set[ri] };
  }
}

const ipConfig = (c: Candidate): CniIPConfig => ({
  address: formatCIDR(c.ip, c.range.subnet.prefix),
  ...(c.range.gateway ? { gateway: formatIP(c.range.gateway) } : {}),
});

async function reserveRequested(set: RangeSet, rangeId: string, store: IpamStore, id: string, ifname: string, ip: IP): Promise<CniIPConfig> {
  const ri = rangeFor(set, ip);
  const unavailable = new CniError(
    CniErrorCode.Internal,
    `host-local: requested IP address ${formatIP(ip)} is not available in range set ${describeRangeSet(set)}`,
  );
  if (ri < 0 || ipEqual(ip, set[ri].gateway)) throw unavailable;
  if (!(await store.reserve(id, ifname, formatIP(ip), rangeId))) throw unavailable;
  return ipConfig({ ip, range: set[ri] });
}

/**
 * Reserves one IP of `set` for (id, ifname); `requested` pins the address. The caller holds
 * the store lock. Errors: duplicate allocation, requested IP unavailable, set exhausted.
 */
export async function allocate(
  set: RangeSet, rangeId: string, store: IpamStore, id: string, ifname: string, requested?: IP,
): Promise<CniIPConfig> {
  for (const held of await store.getByID(id, ifname)) {
    const ip = parseIP(held);
    if (ip && rangeFor(set, ip) >= 0) {
      throw new CniError(CniErrorCode.Internal, `host-local: ${held} has been allocated to ${id}, duplicate allocation is not allowed`);
    }
  }
  if (requested) return reserveRequested(set, rangeId, store, id, ifname, requested);
  const lastText = await store.lastReservedIP(rangeId);
  const last = lastText ? parseIP(lastText) : undefined;
  for (const c of candidates(set, last)) {
    if (await store.reserve(id, ifname, formatIP(c.ip), rangeId)) return ipConfig(c);
  }
  throw new CniError(CniErrorCode.Internal, `host-local: no IP addresses available in range set ${describeRangeSet(set)}`);
}

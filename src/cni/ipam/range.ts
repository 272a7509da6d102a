/**
 * host-local's ranges: a Range is one subnet with an allocation window and a gateway; a
 * RangeSet is a pool of alternative Ranges of one family (one IP is taken from each set).
 * Defaults as the reference plugin applies them: gateway = network + 1, rangeStart = network + 1,
 * rangeEnd = the last address (for IPv4 the one before broadcast).
 */
import { CniError, CniErrorCode } from '../types.js';
import {
  type IP, type IPNet, addIP, bits, compareIP, contains, formatCIDR, formatIP, lastAddr, networkAddr, parseCIDR, parseIP,
} from '../ip/addr.js';

export interface RangeInput {
  subnet?: unknown;
  rangeStart?: unknown;
  rangeEnd?: unknown;
  gateway?: unknown;
}

export interface Range {
  subnet: IPNet;
  rangeStart: IP;
  rangeEnd: IP;
  gateway?: IP;
}

export type RangeSet = Range[];

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

function optionalIP(v: unknown, field: string): IP | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const ip = typeof v === 'string' ? parseIP(v) : undefined;
  if (!ip) throw invalid(field, `Invalid IP address ${JSON.stringify(v)}`);
  return ip;
}

/** Validates one range and fills in its defaults; `field` names it in errors (e.g. `ipam.ranges[0][1]`). */
export function canonicalizeRange(input: RangeInput, field: string): Range {
  if (typeof input !== 'object' || input === null) throw invalid(field, 'must be an object');
  const net = typeof input.subnet === 'string' ? parseCIDR(input.subnet) : undefined;
  if (!net) throw invalid(`${field}.subnet`, `Invalid CIDR ${JSON.stringify(input.subnet ?? null)}`);
  const width = bits(net.ip.family);
  if (net.prefix > width - 2) throw invalid(`${field}.subnet`, `Network ${input.subnet} too small to allocate from`);
  const network = networkAddr(net);
  if (network.value !== net.ip.value) {
    throw invalid(`${field}.subnet`, `Network has host bits set: for a prefix of length ${net.prefix} the network address is ${formatIP(network)}`);
  }
  const subnet: IPNet = { ip: network, prefix: net.prefix };
  const last = lastAddr(subnet);
  const rangeStart = optionalIP(input.rangeStart, `${field}.rangeStart`) ?? addIP(network, 1n);
  const rangeEnd = optionalIP(input.rangeEnd, `${field}.rangeEnd`) ?? (net.ip.family === 4 ? addIP(last, -1n) : last);
  const gateway = optionalIP(input.gateway, `${field}.gateway`) ?? addIP(network, 1n);
  const cidr = formatCIDR(network, net.prefix);
  for (const [name, ip] of [['rangeStart', rangeStart], ['rangeEnd', rangeEnd], ['gateway', gateway]] as const) {
    if (!contains(subnet, ip)) throw invalid(`${field}.${name}`, `${formatIP(ip)} not in network ${cidr}`);
  }
  if (compareIP(rangeStart, rangeEnd) > 0) throw invalid(`${field}.rangeStart`, `${formatIP(rangeStart)} is after rangeEnd ${formatIP(rangeEnd)}`);
  return { subnet, rangeStart, rangeEnd, gateway };
}

const overlaps = (a: Range, b: Range): boolean =>
  a.subnet.ip.family === b.subnet.ip.family && compareIP(a.rangeStart, b.rangeEnd) <= 0 && compareIP(b.rangeStart, a.rangeEnd) <= 0;

/** Validates a range set: non-empty, one family, no overlapping ranges. */
export function canonicalizeRangeSet(input: unknown, field: string): RangeSet {
  if (!Array.isArray(input) || input.length === 0) throw invalid(field, 'must be a non-empty list of ranges');
  const set = input.map((r, i) => canonicalizeRange(r as RangeInput, `${field}[${i}]`));
  for (let i = 0; i < set.length; i++) {
    if (set[i].subnet.ip.family !== set[0].subnet.ip.family) throw invalid(`${field}[${i}]`, 'mixed address families in one range set');
    for (let j = 0; j < i; j++) {
      if (overlaps(set[i], set[j])) throw invalid(`${field}[${i}]`, `range ${rangeText(set[i])} overlaps with ${rangeText(set[j])}`);
    }
  }
  return set;
}

export const rangeText = (r: Range): string => `${formatIP(r.rangeStart)}-${formatIP(r.rangeEnd)}`;

export const rangeContains = (r: Range, ip: IP): boolean =>
  ip.family === r.subnet.ip.family && compareIP(ip, r.rangeStart) >= 0 && compareIP(ip, r.rangeEnd) <= 0;

/** Index of the range of `set` that holds `ip`, or -1. */
export const rangeFor = (set: RangeSet, ip: IP): number => set.findIndex((r) => rangeContains(r, ip));

export const rangeSetsOverlap = (a: RangeSet, b: RangeSet): boolean => a.some((x) => b.some((y) => overlaps(x, y)));

/**
 * The load-balancer address pool (MetalLB's IPAddressPool, k3s ServiceLB's node addresses):
 * ranges `a.b.c.d-e.f.g.h`, CIDRs or single addresses, comma separated. Allocation takes the
 * lowest free address so that a cluster's assignments are predictable.
 */
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export const isIPv4 = (s: string): boolean => IPV4.test(s) && s.split('.').every((o) => Number(o) <= 255);
export const ipToNumber = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const numberToIP = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** Default pool: the top of the node network's first /24, clear of nodes (.11+) and the outside host (.200). */
export const DEFAULT_LB_POOL = '172.18.0.240-172.18.0.250';

interface Range {
  first: number;
  last: number;
}

function parseRange(part: string, field: string): Range {
  const invalid = (why: string) => new Error(`${field}: Invalid value "${part}": ${why}`);
  if (part.includes('/')) {
    const [net, len] = part.split('/');
    if (!isIPv4(net) || !/^\d{1,2}$/.test(len) || Number(len) > 32) throw invalid('must be an IPv4 CIDR');
    const size = 2 ** (32 - Number(len));
    const first = Math.floor(ipToNumber(net) / size) * size;
    return { first, last: first + size - 1 };
  }
  const [a, b = a, extra] = part.split('-');
  if (extra !== undefined || !isIPv4(a) || !isIPv4(b)) throw invalid('must be an IPv4 address, CIDR or range a.b.c.d-e.f.g.h');
  const r = { first: ipToNumber(a), last: ipToNumber(b) };
  if (r.first > r.last) throw invalid('the range ends before it starts');
  return r;
}

export class IPPool {
  private readonly ranges: Range[];

  /** Throws an error naming `field` when the spec is invalid or empty. */
  constructor(
    readonly spec: string,
    field = 'lbPool',
  ) {
    const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
    if (parts.length === 0) throw new Error(`${field}: Required value: at least one address range`);
    this.ranges = parts.map((p) => parseRange(p, field));
  }

  contains(ip: string): boolean {
    if (!isIPv4(ip)) return false;
    const n = ipToNumber(ip);
    return this.ranges.some((r) => n >= r.first && n <= r.last);
  }

  /** The lowest address of the pool not in `used`, or undefined when the pool is exhausted. */
  firstFree(used: ReadonlySet<string>): string | undefined {
    for (const r of this.ranges) {
      for (let n = r.first; n <= r.last; n++) {
        const ip = numberToIP(n);
        if (!used.has(ip)) return ip;
      }
    }
    return undefined;
  }
}

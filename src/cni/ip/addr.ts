/**
 * IP address and prefix arithmetic on bigints, for IPv4 and IPv6 alike (host-local walks
 * ranges of either family). Text forms match Go's net.IP String(): dotted quad, and RFC 5952
 * for IPv6 (lowercase, longest zero run of two or more groups compressed).
 */

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
}

export interface IPNet {
  /** The address as written (may have host bits set). */
  ip: IP;
  prefix: number;
}

export const bits = (f: Family): number => (f === 4 ? 32 : 128);

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  let head = s;
  let tail4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parseV4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return tail4 === undefined ? v : (v & ~0xffffffffn) | tail4;
}

/** Parses an IPv4 or IPv6 address; undefined when it is not one. */
export function parseIP(s: string): IP | undefined {
  if (typeof s !== 'string') return undefined;
  const v4 = s.includes(':') ? undefined : parseV4(s);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = s.includes(':') ? parseV6(s) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

export function formatIP(ip: IP): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 0xffn)).join('.');
  }
  const g = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses `addr/len`; undefined when malformed. */
export function parseCIDR(s: string): IPNet | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText)) return undefined;
  const prefix = Number(lenText);
  return prefix > bits(ip.family) ? undefined : { ip, prefix };
}

const hostMask = (n: IPNet): bigint => (1n << BigInt(bits(n.ip.family) - n.prefix)) - 1n;

/** The network address (host bits cleared). */
export const networkAddr = (n: IPNet): IP => ({ family: n.ip.family, value: n.ip.value & ~hostMask(n) });

/** The last address of the prefix (the IPv4 broadcast address). */
export const lastAddr = (n: IPNet): IP => ({ family: n.ip.family, value: networkAddr(n).value | hostMask(n) });

export const contains = (n: IPNet, ip: IP): boolean =>
  ip.family === n.ip.family && (ip.value & ~hostMask(n)) === networkAddr(n).value;

export const addIP = (ip: IP, delta: bigint): IP => ({ family: ip.family, value: ip.value + delta });

export const ipEqual = (a: IP | undefined, b: IP | undefined): boolean =>
  !!a && !!b && a.family === b.family && a.value === b.value;

export const compareIP = (a: IP, b: IP): number => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

export const formatCIDR = (ip: IP, prefix: number): string => `${formatIP(ip)}/${prefix}`;

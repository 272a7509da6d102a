/** IP and CIDR parsing for validation and allocation (IPv4 as 32-bit numbers). */
import { isIP } from 'node:net';

export const isIPv4 = (s: string): boolean => isIP(s) === 4;
export const isIPAddress = (s: string): boolean => isIP(s) !== 0;

export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function numberToIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface IPv4Cidr {
  base: number;
  prefix: number;
  size: number;
  text: string;
}

/** Parses `10.96.0.0/12`; throws naming the bad value. */
export function parseIPv4Cidr(text: string): IPv4Cidr {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text);
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) throw new Error(`Invalid IPv4 CIDR "${text}"`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipv4ToNumber(m[1]) / size) * size;
  return { base, prefix, size, text: `${numberToIPv4(base)}/${prefix}` };
}

export const cidrContains = (c: IPv4Cidr, ip: string): boolean => {
  if (!isIPv4(ip)) return false;
  const n = ipv4ToNumber(ip);
  return n >= c.base && n < c.base + c.size;
};

/** An IPv4 or IPv6 CIDR as a BigInt range, or undefined when `text` is not one (ParseCIDRSloppy). */
export interface AnyCidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

function ipToBigInt(ip: string, family: 4 | 6): bigint {
  if (family === 4) return BigInt(ipv4ToNumber(ip));
  let s = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToNumber(v4[1]);
    s = `${s.slice(0, -v4[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

export function parseAnyCidr(text: string): AnyCidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const family = isIP(m[1]);
  const prefix = Number(m[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  const bits = family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - prefix);
  const base = (ipToBigInt(m[1], family as 4 | 6) / size) * size;
  return { family: family as 4 | 6, base, prefix };
}

/** Whether `inner` lies inside `outer` and is strictly smaller (NetworkPolicy ipBlock.except). */
export function isStrictSubset(inner: AnyCidr, outer: AnyCidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const bits = outer.family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - outer.prefix);
  return inner.base >= outer.base && inner.base < outer.base + size;
}

export const CIDR_DETAIL = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
export const IP_DETAIL = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

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

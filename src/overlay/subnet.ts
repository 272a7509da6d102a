/**
 * IPv4 subnet arithmetic for leases and flannel's subnet.env (the file the flannel CNI plugin
 * reads: FLANNEL_NETWORK, FLANNEL_SUBNET = first usable IP of the lease, FLANNEL_MTU,
 * FLANNEL_IPMASQ).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface IPv4Net {
  /** Network address as a 32-bit unsigned number. */
  base: number;
  prefix: number;
}

const ipToNum = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const numToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** Parses `a.b.c.d/len`; `field` names the input in the error. Host bits are cleared. */
export function parseCIDR(cidr: string, field = 'cidr'): IPv4Net {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix > 32) throw new Error(`${field}: Invalid value "${cidr}": must be an IPv4 CIDR like 10.244.0.0/24`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToNum(octets.join('.')) / size) * size;
  return { base, prefix };
}

export const formatCIDR = (n: IPv4Net): string => `${numToIp(n.base)}/${n.prefix}`;
/** The network address (flannel's `lease.Subnet.IP`, e.g. 10.244.1.0). */
export const networkAddress = (n: IPv4Net): string => numToIp(n.base);
/** The first usable address (the bridge gateway, e.g. 10.244.1.1). */
export const firstIP = (n: IPv4Net): string => numToIp(n.base + 1);

export interface SubnetEnv {
  network: string;
  subnet: string;
  mtu: number;
  ipMasq: boolean;
}

/** subnet.env text for a lease: FLANNEL_SUBNET is the lease's first IP with its prefix. */
export function renderSubnetEnv(env: SubnetEnv): string {
  const lease = parseCIDR(env.subnet, 'subnet');
  return [
    `FLANNEL_NETWORK=${formatCIDR(parseCIDR(env.network, 'network'))}`,
    `FLANNEL_SUBNET=${firstIP(lease)}/${lease.prefix}`,
    `FLANNEL_MTU=${env.mtu}`,
    `FLANNEL_IPMASQ=${env.ipMasq}`,
    '',
  ].join('\n');
}

/** Parses subnet.env (KEY=VALUE lines) into a record. */
export function parseSubnetEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/** Writes `text` to `path` atomically (readers never see half a file); unchanged files are left alone. */
export async function writeFileIfChanged(path: string, text: string): Promise<boolean> {
  const old = await readFile(path, 'utf8').catch(() => undefined);
  if (old === text) return false;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return true;
}

/**
 * Whether this kernel can do IPVS (kube-proxy's CanUseIPVSProxier asks the kernel for virtual
 * servers; without root we look where the kernel shows it): /proc/net/ip_vs exists once the
 * module is loaded or built in; else the module must be on disk for modprobe to load it. The
 * ipvsadm and ipset tools are needed to program it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { delimiter, join } from 'node:path';

export interface IpvsSupport {
  available: boolean;
  /** One sentence for the user: why (not). */
  reason: string;
  kernel: 'loaded' | 'module' | 'absent';
  tools: { ipvsadm: boolean; ipset: boolean };
}

export interface DetectDeps {
  exists(path: string): boolean;
  read(path: string): string | undefined;
  kernelRelease: string;
  path: string;
}

const realDeps = (): DetectDeps => ({
  exists: existsSync,
  read: (p) => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } },
  kernelRelease: release(),
  path: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
});

function onPath(tool: string, d: DetectDeps): boolean {
  return [...d.path.split(delimiter), '/usr/sbin', '/sbin'].some((dir) => dir && d.exists(join(dir, tool)));
}

function kernelState(d: DetectDeps): IpvsSupport['kernel'] {
  if (d.exists('/proc/net/ip_vs')) return 'loaded';
  const mods = `/lib/modules/${d.kernelRelease}`;
  const listed = (f: string) => /(^|\/)ip_vs\.ko/m.test(d.read(join(mods, f)) ?? '');
  return listed('modules.dep') || listed('modules.builtin') ? 'module' : 'absent';
}

export function detectIpvs(deps: DetectDeps = realDeps()): IpvsSupport {
  const kernel = kernelState(deps);
  const tools = { ipvsadm: onPath('ipvsadm', deps), ipset: onPath('ipset', deps) };
  if (kernel === 'absent') {
    return { available: false, kernel, tools, reason: `this kernel (${deps.kernelRelease}) has no IPVS: /proc/net/ip_vs is missing and no ip_vs module is installed` };
  }
  const missing = (['ipvsadm', 'ipset'] as const).filter((t) => !tools[t]);
  if (missing.length) return { available: false, kernel, tools, reason: `IPVS is in the kernel but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed` };
  return { available: true, kernel, tools, reason: kernel === 'loaded' ? 'IPVS is loaded' : 'IPVS is available as the ip_vs module' };
}

/** Throws a clear error when IPVS cannot be used (for `podnet up --proxy-mode ipvs`). */
export function requireIpvs(deps?: DetectDeps): void {
  const s = detectIpvs(deps);
  if (!s.available) throw new Error(`proxy mode "ipvs" is not available: ${s.reason}; use nftables or iptables (\`podnet proxy render --mode ipvs\` still shows what it would program)`);
}

/**
 * kube-proxy's CleanupLeftovers for a node that switches proxy mode: before a mode starts, the
 * other modes' rules are removed from the node netns, so two proxies' rules are never active at
 * once (upstream server_linux.go platformCleanup: nftables mode cleans the iptables and IPVS
 * rules, the others clean nftables'). What each mode leaves:
 * - nftables: tables `ip kube-proxy` and `ip6 kube-proxy` (deleted whole, as upstream);
 * - iptables: KUBE-* chains and the jumps to them in `ip nat` / `ip filter` / `ip mangle`
 *   (iptables-nft's tables; the tables themselves stay, as upstream leaves them);
 * - userspace: table `ip kube-proxy-userspace` (its socket process ends with its agent).
 */
import { nft, nftApply } from '../../dataplane/exec.js';
import type { ProxyMode } from '../mode.js';
import { cleanupIptablesLeftovers, IPTABLES_TABLES, type IptablesTable } from './iptables-leftovers.js';

/** The nftables tables each mode owns, as `family name`. */
export const MODE_TABLES: Record<ProxyMode, readonly string[]> = {
  nftables: ['ip kube-proxy', 'ip6 kube-proxy'],
  iptables: [],
  userspace: ['ip kube-proxy-userspace'],
};

/** `family name` of every nftables table in the netns. */
export async function listTables(netns: string): Promise<string[]> {
  const out = await nft(netns, ['list', 'tables']);
  return [...out.matchAll(/^table (\S+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
}

/** What a cleanup removed: nftables tables and iptables tables whose KUBE-* rules went. */
export interface CleanupResult {
  nftablesTables: string[];
  iptablesTables: IptablesTable[];
}

/** Removes every other mode's leftovers from `netns` before `mode` starts there. */
export async function cleanupLeftovers(netns: string, mode: ProxyMode): Promise<CleanupResult> {
  const present = await listTables(netns);
  const foreign = (Object.keys(MODE_TABLES) as ProxyMode[]).filter((m) => m !== mode).flatMap((m) => MODE_TABLES[m]);
  const doomed = present.filter((t) => foreign.includes(t));
  // One transaction: the tables go together or not at all.
  if (doomed.length > 0) await nftApply(netns, doomed.map((t) => `delete table ${t}\n`).join(''));
  // Only read tables that exist: iptables-save must not be what creates them.
  const iptablesTables = mode === 'iptables' ? [] : IPTABLES_TABLES.filter((t) => present.includes(`ip ${t}`));
  return { nftablesTables: doomed, iptablesTables: await cleanupIptablesLeftovers(netns, iptablesTables) };
}

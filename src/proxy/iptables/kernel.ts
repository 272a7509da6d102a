/**
 * The iptables operations the proxier runs in a node's netns. Debian 12's `iptables` is
 * iptables-nft, which acts on the nftables ruleset of the netns it runs in (tables `ip nat`,
 * `ip filter`, `ip mangle`), so nothing here touches the host.
 */
import { inNetns, run, sysctl } from '../../dataplane/exec.js';
import { KUBE_PROXY_CANARY } from './chain-names.js';
import type { JumpRule } from './jump-rules.js';

/**
 * The commands run (the proxier uses the defaults, Debian's iptables-nft). Benchmarks pass
 * IPTABLES_LEGACY_TOOLS to compare the legacy x_tables backend, per netns as well.
 */
export interface IptablesTools { iptables: string; restore: string; save: string }
export const IPTABLES_TOOLS: IptablesTools = { iptables: 'iptables', restore: 'iptables-restore', save: 'iptables-save' };
export const IPTABLES_LEGACY_TOOLS: IptablesTools = {
  iptables: 'iptables-legacy', restore: 'iptables-legacy-restore', save: 'iptables-legacy-save',
};

/** One `iptables-restore --noflush` transaction (each table is committed atomically). */
export async function iptablesRestore(netns: string, input: string, tools = IPTABLES_TOOLS): Promise<void> {
  const [cmd, args] = inNetns(netns, tools.restore, ['-w', '5', '--noflush', '--counters']);
  await run(cmd, args, { input });
}

/** The user chains of the nat table (`iptables-save -t nat`'s `:NAME` lines). */
export async function listNatChains(netns: string, tools = IPTABLES_TOOLS): Promise<string[]> {
  const [cmd, args] = inNetns(netns, tools.save, ['-t', 'nat']);
  const out = (await run(cmd, args)).stdout;
  return [...out.matchAll(/^:(\S+) /gm)].map((m) => m[1]);
}

async function iptables(netns: string, args: string[], tools: IptablesTools): Promise<number | null> {
  const [cmd, full] = inNetns(netns, tools.iptables, ['-w', '5', ...args]);
  return (await run(cmd, full, { allowFailure: true })).code;
}

/**
 * EnsureChain + EnsureRule(Prepend) for each jump: `-C`, and when missing `-N` the target (it
 * may not exist yet: KUBE-FIREWALL without localhost NodePorts is in no restore) and `-I`.
 */
export async function ensureJumpRules(netns: string, rules: readonly JumpRule[], tools = IPTABLES_TOOLS): Promise<void> {
  for (const r of rules) {
    if ((await iptables(netns, ['-t', r.table, '-C', r.chain, ...r.args], tools)) === 0) continue;
    const target = r.args[r.args.indexOf('-j') + 1];
    await iptables(netns, ['-t', r.table, '-N', target], tools); // fails harmlessly when it exists
    const [cmd, full] = inNetns(netns, tools.iptables, ['-w', '5', '-t', r.table, '-I', r.chain, ...r.args]);
    await run(cmd, full);
  }
}

/** Creates the empty canary chain in mangle, nat and filter (iptables.Monitor's witness). */
export async function ensureCanary(netns: string, tools = IPTABLES_TOOLS): Promise<void> {
  for (const table of ['mangle', 'nat', 'filter']) await iptables(netns, ['-t', table, '-N', KUBE_PROXY_CANARY], tools);
}

/** False once someone flushed the tables: the next sync must be a full one. */
export async function canaryExists(netns: string, tools = IPTABLES_TOOLS): Promise<boolean> {
  for (const table of ['mangle', 'nat', 'filter']) {
    if ((await iptables(netns, ['-t', table, '-S', KUBE_PROXY_CANARY], tools)) !== 0) return false;
  }
  return true;
}

/** route_localnet=1: packets to 127.0.0.1 may be DNATed to a pod (localhost NodePorts). */
export async function ensureRouteLocalnet(netns: string): Promise<void> {
  await sysctl(netns, { 'net.ipv4.conf.all.route_localnet': 1 });
}

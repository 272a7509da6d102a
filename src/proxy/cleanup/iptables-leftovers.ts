/**
 * iptables mode's leftovers (upstream iptables.CleanupLeftovers): the jump rules in the built-in
 * chains, then every KUBE-* chain, flushed and deleted, in one `iptables-restore --noflush`
 * transaction per table. Upstream keeps kubelet's KUBE-* chains; podnet's agent writes none
 * (its KUBE-FIREWALL comes from the proxy's iptables mode), so every KUBE-* chain is the proxy's.
 */
import { inNetns, run } from '../../dataplane/exec.js';

export const IPTABLES_TABLES = ['nat', 'filter', 'mangle'] as const;
export type IptablesTable = (typeof IPTABLES_TABLES)[number];

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const isKubeChain = (name: string): boolean => name.startsWith('KUBE-');

/**
 * The restore input that removes kube-proxy's rules from one table, given its `iptables-save`
 * text; undefined when there is nothing to remove.
 */
export function iptablesCleanupInput(table: IptablesTable, save: string): string | undefined {
  const chains = [...save.matchAll(/^:(\S+) /gm)].map((m) => m[1]).filter(isKubeChain);
  // A built-in chain's rule that jumps (or goes) to one of ours: delete it by its exact spec.
  const jumps = save.split('\n').filter((l) => {
    const m = /^-A (\S+) .*-[jg] (KUBE-\S+)/.exec(l);
    return m !== null && BUILTIN.has(m[1]);
  });
  if (chains.length === 0 && jumps.length === 0) return undefined;
  return [
    `*${table}`,
    // Declaring a chain under --noflush flushes it: references between our chains go first.
    ...chains.map((c) => `:${c} - [0:0]`),
    ...jumps.map((l) => `-D${l.slice(2)}`),
    ...chains.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

/** Removes kube-proxy's iptables rules from the given tables of `netns`; returns the tables changed. */
export async function cleanupIptablesLeftovers(netns: string, tables: readonly IptablesTable[]): Promise<IptablesTable[]> {
  const changed: IptablesTable[] = [];
  for (const table of tables) {
    const [saveCmd, saveArgs] = inNetns(netns, 'iptables-save', ['-t', table]);
    const input = iptablesCleanupInput(table, (await run(saveCmd, saveArgs)).stdout);
    if (!input) continue;
    const [cmd, args] = inNetns(netns, 'iptables-restore', ['-w', '5', '--noflush']);
    await run(cmd, args, { input });
    changed.push(table);
  }
  return changed;
}

/**
 * The rules in the built-in chains that lead into kube-proxy's chains. Upstream inserts them
 * with EnsureRule(Prepend) outside iptables-restore, on full syncs only; so does the proxier here.
 */
import * as names from './chain-names.js';

export interface JumpRule {
  table: 'filter' | 'nat';
  chain: string;
  /** The rule's arguments after `-I <chain>`. */
  args: string[];
}

const c = (text: string): string[] => ['-m', 'comment', '--comment', text];
const ctNew = ['-m', 'conntrack', '--ctstate', 'NEW'];

/** In upstream's order (iptablesJumpChains); each is prepended, so the last one ends up first. */
export function jumpRules(): JumpRule[] {
  const out: JumpRule[] = [];
  const add = (table: JumpRule['table'], chains: string[], args: string[]) => {
    for (const chain of chains) out.push({ table, chain, args });
  };
  add('filter', ['INPUT', 'FORWARD'], [...ctNew, ...c('kubernetes externally-visible service portals'), '-j', names.KUBE_EXTERNAL_SERVICES]);
  add('filter', ['INPUT'], [...c('kubernetes health check service ports'), '-j', names.KUBE_NODEPORTS]);
  add('filter', ['FORWARD', 'OUTPUT'], [...ctNew, ...c('kubernetes service portals'), '-j', names.KUBE_SERVICES]);
  add('filter', ['FORWARD'], [...c('kubernetes forwarding rules'), '-j', names.KUBE_FORWARD]);
  add('filter', ['INPUT', 'OUTPUT', 'FORWARD'], [...ctNew, ...c('kubernetes load balancer firewall'), '-j', names.KUBE_PROXY_FIREWALL]);
  add('nat', ['OUTPUT', 'PREROUTING'], [...c('kubernetes service portals'), '-j', names.KUBE_SERVICES]);
  add('nat', ['POSTROUTING'], [...c('kubernetes postrouting rules'), '-j', names.KUBE_POSTROUTING]);
  return out;
}

/** kubelet's own jumps to KUBE-FIREWALL (no comment), present when localhost NodePorts are on. */
export function firewallJumpRules(): JumpRule[] {
  return ['INPUT', 'OUTPUT'].map((chain) => ({ table: 'filter' as const, chain, args: ['-j', names.KUBE_FIREWALL] }));
}

/** Shell-quoted `iptables -t T -I CHAIN ...` lines, for display. */
export function jumpRuleCommands(rules: readonly JumpRule[]): string[] {
  const quote = (a: string) => (/^[\w./:,!-]+$/.test(a) ? a : `"${a}"`);
  return rules.map((r) => ['iptables', '-t', r.table, '-I', r.chain, ...r.args].map(quote).join(' '));
}

/**
 * The redirect ("portal") rules of the userspace mode, as one nft table `ip kube-proxy-userspace`
 * with upstream's chain names: KUBE-PORTALS-CONTAINER (prerouting: traffic from pods) and
 * KUBE-PORTALS-HOST (output: traffic from the node itself) redirect a service IP:port to the
 * proxy port; KUBE-NODEPORT-CONTAINER / KUBE-NODEPORT-HOST do the same for a node port on any
 * local address. Rendered whole on every sync (the table is small: one rule per portal).
 * Priorities are numeric (-100 = dstnat): nft 1.0.6 rejects the `dstnat` keyword on output.
 */
import type { ServicePortInfo } from '../service-port.js';

export const USERSPACE_TABLE = 'kube-proxy-userspace';
/**
 * An empty set whose presence says the table is still there: `nft -t list set` reads no rules,
 * where listing a chain or the tables makes nft 1.0.6 read the whole ruleset.
 */
export const CANARY_SET = 'canary';

export interface Portal {
  sp: ServicePortInfo;
  proxyPort: number;
}

const portalIPs = (sp: ServicePortInfo): string[] => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];

function portalRules({ sp, proxyPort }: Portal): string[] {
  const comment = `comment "${sp.spn}"`;
  return portalIPs(sp).map((ip) => `ip daddr ${ip} ${sp.protocol} dport ${sp.port} redirect to :${proxyPort} ${comment}`);
}

function nodePortRules({ sp, proxyPort }: Portal): string[] {
  return sp.nodePort > 0 ? [`${sp.protocol} dport ${sp.nodePort} redirect to :${proxyPort} comment "${sp.spn}"`] : [];
}

const chain = (name: string, rules: readonly string[]): string[] => [`  chain ${name} {`, ...rules.map((r) => `    ${r}`), '  }'];

/**
 * The `nft -f` script that replaces the table with `portals` (create-then-delete first, so it
 * works whether or not the table exists, in one atomic transaction).
 */
export function renderPortalRules(portals: readonly Portal[]): string {
  const containerRules = portals.flatMap(portalRules);
  const nodePortRules_ = portals.flatMap(nodePortRules);
  return [
    `table ip ${USERSPACE_TABLE}`,
    `delete table ip ${USERSPACE_TABLE}`,
    `table ip ${USERSPACE_TABLE} {`,
    `  set ${CANARY_SET} { type ipv4_addr; }`,
    ...chain('prerouting', ['type nat hook prerouting priority -100; policy accept;', 'jump KUBE-PORTALS-CONTAINER', 'fib daddr type local jump KUBE-NODEPORT-CONTAINER']),
    ...chain('output', ['type nat hook output priority -100; policy accept;', 'jump KUBE-PORTALS-HOST', 'fib daddr type local jump KUBE-NODEPORT-HOST']),
    ...chain('KUBE-PORTALS-CONTAINER', containerRules),
    ...chain('KUBE-PORTALS-HOST', containerRules),
    ...chain('KUBE-NODEPORT-CONTAINER', nodePortRules_),
    ...chain('KUBE-NODEPORT-HOST', nodePortRules_),
    '}',
    '',
  ].join('\n');
}

/** The script that removes the table (`nft -f`: adding first makes a missing table no error). */
export function renderPortalCleanup(): string {
  return `table ip ${USERSPACE_TABLE}\ndelete table ip ${USERSPACE_TABLE}\n`;
}

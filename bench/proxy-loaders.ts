/**
 * How each proxy mode loads a full ruleset for n synthetic Services (makeServiceSet with the
 * target) into a node netns, through the proxier's own full-sync functions.
 */
import { nft, nftApply } from '../src/dataplane/exec.js';
import { buildEndpointsMap } from '../src/proxy/endpoints.js';
import { buildIptablesRuleset, jumpRules, planFullSync } from '../src/proxy/iptables/index.js';
import { ensureCanary, ensureJumpRules, iptablesRestore, listNatChains } from '../src/proxy/iptables/kernel.js';
import { renderRuleset } from '../src/proxy/render.js';
import { buildServicePorts } from '../src/proxy/service-port.js';
import { makeServiceSet, NODE_OPTS } from './proxy-fixture.js';

/** How one proxy mode loads a full ruleset for `n` Services into the node's netns. */
export interface RulesLoader { name: string; load(nodeNs: string, n: number): Promise<void> }

const nftablesLoader: RulesLoader = {
  name: 'nftables',
  async load(nodeNs, n) {
    await nft(nodeNs, ['delete', 'table', 'ip', 'kube-proxy'], { allowFailure: true });
    const set = makeServiceSet(n, true);
    await nftApply(nodeNs, renderRuleset(set.services, set.slices, NODE_OPTS));
  },
};

/** A full sync of the iptables proxier (iptables-restore --noflush, then the jump rules). */
const iptablesLoader: RulesLoader = {
  name: 'iptables',
  async load(nodeNs, n) {
    const set = makeServiceSet(n, true);
    const desired = buildIptablesRuleset({
      servicePorts: buildServicePorts(set.services), endpoints: buildEndpointsMap(set.slices, NODE_OPTS.nodeName),
      nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR,
    });
    await ensureCanary(nodeNs);
    await iptablesRestore(nodeNs, planFullSync(desired, await listNatChains(nodeNs)).input);
    await ensureJumpRules(nodeNs, jumpRules());
  },
};

export const LOADERS: Record<string, RulesLoader> = { nftables: nftablesLoader, iptables: iptablesLoader };

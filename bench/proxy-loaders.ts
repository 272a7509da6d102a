/**
 * How each proxy mode loads a full ruleset for n synthetic Services (makeServiceSet with the
 * target) into a node netns, through the proxier's own full-sync functions. Userspace mode also
 * needs its socket process running in the node netns: `unload` ends it.
 */
import { nft, nftApply } from '../src/dataplane/exec.js';
import { buildEndpointsMap } from '../src/proxy/endpoints.js';
import { buildIptablesRuleset, jumpRules, planFullSync } from '../src/proxy/iptables/index.js';
import {
  ensureCanary, ensureJumpRules, IPTABLES_LEGACY_TOOLS, IPTABLES_TOOLS, iptablesRestore, listNatChains, type IptablesTools,
} from '../src/proxy/iptables/kernel.js';
import { renderRuleset } from '../src/proxy/render.js';
import { buildServicePorts } from '../src/proxy/service-port.js';
import {
  DEFAULT_UDP_IDLE_TIMEOUT_MS, isProxied, portalsFor, renderPortalRules, servicePortSpecs, SocketProcessClient,
} from '../src/proxy/userspace/index.js';
import { makeServiceSet, NODE_OPTS } from './proxy-fixture.js';

/** How one proxy mode loads a full ruleset for `n` Services into the node's netns. */
export interface RulesLoader {
  name: string;
  load(nodeNs: string, n: number): Promise<void>;
  /** Ends what `load` left running in `nodeNs` (call before removing the netns). */
  unload?(nodeNs: string): Promise<void>;
}

const nftablesLoader: RulesLoader = {
  name: 'nftables',
  async load(nodeNs, n) {
    await nft(nodeNs, ['delete', 'table', 'ip', 'kube-proxy'], { allowFailure: true });
    const set = makeServiceSet(n, true);
    await nftApply(nodeNs, renderRuleset(set.services, set.slices, NODE_OPTS));
  },
};

/**
 * A full sync of the iptables proxier (iptables-restore --noflush, then the jump rules), with
 * Debian's default iptables-nft or, bench-only, the same text through iptables-legacy.
 */
function iptablesLoader(name: string, tools: IptablesTools): RulesLoader {
  return {
    name,
    async load(nodeNs, n) {
      const set = makeServiceSet(n, true);
      const desired = buildIptablesRuleset({
        servicePorts: buildServicePorts(set.services), endpoints: buildEndpointsMap(set.slices, NODE_OPTS.nodeName),
        nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR,
      });
      await ensureCanary(nodeNs, tools);
      await iptablesRestore(nodeNs, planFullSync(desired, await listNatChains(nodeNs, tools)).input, tools);
      await ensureJumpRules(nodeNs, jumpRules(), tools);
    },
  };
}

/**
 * A sync of the userspace proxier: the socket process (started once per netns, as the proxier
 * does) opens a proxy socket per service port, then the portal table redirects to them.
 */
const socketProcesses = new Map<string, SocketProcessClient>();
const userspaceLoader: RulesLoader = {
  name: 'userspace',
  async load(nodeNs, n) {
    const set = makeServiceSet(n, true);
    const servicePorts = buildServicePorts(set.services).filter(isProxied);
    const specs = servicePortSpecs(servicePorts, buildEndpointsMap(set.slices, NODE_OPTS.nodeName));
    let sockets = socketProcesses.get(nodeNs);
    if (!sockets?.alive) {
      sockets = await SocketProcessClient.start(nodeNs, DEFAULT_UDP_IDLE_TIMEOUT_MS);
      socketProcesses.set(nodeNs, sockets);
    }
    await nftApply(nodeNs, renderPortalRules(portalsFor(servicePorts, await sockets.sync(specs)).portals));
  },
  async unload(nodeNs) {
    await socketProcesses.get(nodeNs)?.stop();
    socketProcesses.delete(nodeNs);
  },
};

export const LOADERS: Record<string, RulesLoader> = {
  nftables: nftablesLoader,
  iptables: iptablesLoader('iptables', IPTABLES_TOOLS),
  'iptables-legacy': iptablesLoader('iptables-legacy', IPTABLES_LEGACY_TOOLS),
  userspace: userspaceLoader,
};

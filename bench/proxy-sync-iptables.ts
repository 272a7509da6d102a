/**
 * The iptables proxier's sync (iptables/proxier.ts syncProxyRules), step by step, timed, with
 * either backend: Debian's default `iptables` (iptables-nft: nftables tables `ip nat` etc. in
 * the netns) or `iptables-legacy` (the kernel's x_tables, per netns too). Same ruleset text.
 */
import type { EndpointSlice, Service } from '../src/api/types.js';
import { inNetns, run } from '../src/dataplane/exec.js';
import { buildEndpointsMap } from '../src/proxy/endpoints.js';
import { buildIptablesRuleset, jumpRules, planFullSync, planPartialSync, type IptablesRuleset } from '../src/proxy/iptables/index.js';
import {
  canaryExists, ensureCanary, ensureJumpRules, iptablesRestore, listNatChains, type IptablesTools,
} from '../src/proxy/iptables/kernel.js';
import { buildServicePorts } from '../src/proxy/service-port.js';
import { ms, NODE_OPTS, type ServiceSet } from './proxy-fixture.js';
import type { SyncMode, Timing } from './proxy-sync-mode.js';

function desiredOf(set: ServiceSet): IptablesRuleset {
  return buildIptablesRuleset({
    servicePorts: buildServicePorts(set.services as Service[]),
    endpoints: buildEndpointsMap(set.slices as EndpointSlice[], NODE_OPTS.nodeName),
    nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR,
  });
}

export function iptablesMode(name: string, netns: string, tools: IptablesTools): SyncMode {
  let written: IptablesRuleset | undefined;
  const timed = async (t0: bigint, readMs: number, input: string, after?: () => Promise<void>): Promise<Timing> => {
    const computeMs = ms(t0) - readMs;
    const t1 = process.hrtime.bigint();
    await iptablesRestore(netns, input, tools);
    if (after) await after();
    return { readMs, computeMs, applyMs: ms(t1), totalMs: ms(t0), ops: input.split('\n').length };
  };
  return {
    name,
    async fullSync(set) {
      const t0 = process.hrtime.bigint();
      await ensureCanary(netns, tools);
      const chains = await listNatChains(netns, tools);
      const readMs = ms(t0);
      const desired = desiredOf(set);
      const timing = await timed(t0, readMs, planFullSync(desired, chains).input, () => ensureJumpRules(netns, jumpRules(), tools));
      written = desired;
      return timing;
    },
    async partialSync(set) {
      if (!written) throw new Error('partialSync before a full sync');
      const t0 = process.hrtime.bigint();
      if (!(await canaryExists(netns, tools))) throw new Error(`canary vanished from ${netns}`);
      const readMs = ms(t0);
      const desired = desiredOf(set);
      const timing = await timed(t0, readMs, planPartialSync(desired, written).input);
      written = desired;
      return timing;
    },
    async verifyEndpoint(_svcName, ip) {
      const [cmd, args] = inNetns(netns, tools.save, ['-t', 'nat']);
      const save = (await run(cmd, args)).stdout;
      if (!save.includes(`--to-destination ${ip}:8080`)) throw new Error(`no DNAT to ${ip}:8080 in ${netns} (${tools.save})`);
    },
  };
}

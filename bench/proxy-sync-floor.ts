/**
 * The kernel floor of a one-endpoint change in nftables mode: the smallest transactions any
 * proxy with upstream's layout must commit for it, sent the same way as the proxier's own
 * (`nft -f`, blocks form) into the same netns holding the same table. Both hold a jump/goto
 * vmap or a NAT rule, so the kernel validates the whole table at commit (nft_table_validate),
 * whatever else the transaction holds; our apply time over the floor's says how much of the
 * cost is ours.
 *  - `vmap`: the changed Service's service chain flushed and written again (its numgen vmap
 *    rule is what an endpoint change must replace);
 *  - `dnat`: the new endpoint's chain flushed and written again (masquerade + one dnat rule).
 */
import { nftApply } from '../src/dataplane/exec.js';
import { partialSyncScript, type DesiredState } from '../src/proxy/sync-proxy-rules.js';
import { Transaction } from '../src/proxy/transaction.js';
import { ms } from './proxy-fixture.js';
import type { FloorTimes } from './proxy-sync-mode.js';

/** The chain names the floor rewrites: `svcName`'s service chain and its endpoint chain for `ip`. */
export function floorChains(desired: DesiredState, svcName: string, ip: string): { vmap: string; dnat: string } {
  const suffix = `-default/${svcName}/tcp/http`;
  let vmap: string | undefined;
  let dnat: string | undefined;
  for (const name of desired.chains.keys()) {
    if (name.startsWith('service-') && name.endsWith(suffix)) vmap = name;
    else if (name.startsWith('endpoint-') && name.includes(`${suffix}__${ip}/`)) dnat = name;
  }
  if (!vmap || !dnat) throw new Error(`kernel floor: no ${vmap ? 'endpoint' : 'service'} chain of ${svcName} for ${ip}`);
  return { vmap, dnat };
}

/** The script that flushes `chain` and adds its rules again (what the table already holds). */
export function rewriteChainScript(desired: DesiredState, chain: string): string {
  const rules = desired.chains.get(chain);
  if (!rules) throw new Error(`kernel floor: chain ${chain} is not in the table`);
  const tx = new Transaction('ip', 'kube-proxy');
  tx.add({ kind: 'chain', name: chain }).flush({ kind: 'chain', name: chain });
  for (const rule of rules) tx.add({ kind: 'rule', chain, rule });
  if (tx.err) throw tx.err;
  return partialSyncScript(tx, desired);
}

/** Applies each floor transaction once in `netns`; their apply times in ms. */
export async function measureKernelFloor(netns: string, desired: DesiredState, svcName: string, ip: string): Promise<FloorTimes> {
  const out: FloorTimes = {};
  for (const [kind, chain] of Object.entries(floorChains(desired, svcName, ip))) {
    const script = rewriteChainScript(desired, chain);
    const t0 = process.hrtime.bigint();
    await nftApply(netns, script);
    out[kind] = ms(t0);
  }
  return out;
}

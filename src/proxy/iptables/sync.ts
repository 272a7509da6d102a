/**
 * One iptables sync, pure: from the desired ruleset and what the previous sync wrote, the
 * restore input (KEP-3453's partial restore: shared chains every time, a service port's own
 * chains only when they changed) and the stale service chains to delete.
 */
import { isServiceNatChain } from './chain-names.js';
import { restoreInput, serviceChainsOf, type IptablesRuleset } from './ruleset.js';

export interface IptablesSyncPlan {
  input: string;
  /** Service chains this sync deletes. */
  stale: string[];
  /** Service ports (endpointsKey) whose chains were written. */
  written: string[];
}

const same = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((l, i) => l === b[i]);

/** Full sync: every chain rewritten; kernel service chains nobody wants are deleted. */
export function planFullSync(desired: IptablesRuleset, kernelNatChains: readonly string[]): IptablesSyncPlan {
  const want = serviceChainsOf(desired);
  const stale = kernelNatChains.filter((c) => isServiceNatChain(c) && !want.has(c));
  return { input: restoreInput(desired, { stale }), stale, written: [...desired.services.keys()] };
}

/** Partial sync against `previous` (what the last successful sync left in the kernel). */
export function planPartialSync(desired: IptablesRuleset, previous: IptablesRuleset): IptablesSyncPlan {
  const before = serviceChainsOf(previous);
  const write = new Set<string>();
  for (const [key, s] of desired.services) {
    const old = previous.services.get(key);
    const changed = !old || old.chains.size !== s.chains.size || [...s.chains].some(([name, rules]) => !same(old.chains.get(name), rules));
    if (changed) write.add(key);
  }
  const want = serviceChainsOf(desired);
  const stale = [...before.keys()].filter((c) => !want.has(c));
  return { input: restoreInput(desired, { write, stale }), stale, written: [...write] };
}

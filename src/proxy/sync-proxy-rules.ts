/**
 * syncProxyRules: the `ip kube-proxy` table for a set of service ports and their endpoints, as
 * one Transaction (pkg/proxy/nftables/proxier.go). A full sync rewrites everything and deletes
 * what the kernel holds but nobody wants; a partial sync (PR #126013 and the element stores)
 * writes only the chains and elements that changed since the previous sync, which is what
 * keeps a sync fast with thousands of services. Pure: no kernel access.
 */
import { BASE_CHAINS, BASE_SETS, HELPER_CHAINS, TABLE_NAME, writeBaseRules } from './base-rules.js';
import { isAffinitySetName, isServiceChainName } from './chain-names.js';
import { endpointsKey, type EndpointsMap } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';
import { addServicePort, elementKey, emptyDesiredState, type DesiredState } from './service-rules.js';
import { sameElement, type TableDelta } from './service-table.js';
import { Transaction } from './transaction.js';

export { type DesiredState } from './service-rules.js';

export interface ProxyState {
  servicePorts: readonly ServicePortInfo[];
  endpoints: EndpointsMap;
  nodeIP: string;
  /** Pod traffic comes from here (the local-traffic detector); other sources are masqueraded. */
  clusterCIDR: string;
  /** Traffic to unallocated IPs in this range is dropped. */
  serviceCIDR?: string;
  /** The masquerade mark (default 0x4000); offline renders (`--masquerade-mark`) set it. */
  masqueradeMark?: string;
  /** --nodeport-addresses CIDRs (default: the node IP only). */
  nodePortAddresses?: readonly string[];
  /** Chains and sets the kernel's table holds now (empty on a fresh node); full sync only. */
  existing?: { chains: readonly string[]; sets: readonly string[]; baseChains?: readonly string[] };
}

export interface SyncResult {
  tx: Transaction;
  /** What the table holds once `tx` is applied: the base for the next partial sync. */
  desired: DesiredState;
  /** Per service port (endpointsKey): the endpoints traffic can go to now. */
  reachable: DesiredState['reachable'];
}

/** The per-service part of the table for `state`. */
export function buildDesiredState(state: ProxyState): DesiredState {
  const out = emptyDesiredState();
  for (const sp of state.servicePorts) {
    const key = endpointsKey(sp);
    addServicePort(out, sp, state.endpoints.get(key) ?? [], state, key);
  }
  return out;
}

/** Full sync: base rules, every service chain (flushed and rewritten), elements, stale deletes. */
export function syncProxyRules(state: ProxyState): SyncResult {
  return fullSyncTransaction(state, buildDesiredState(state));
}

/** The node-wide settings of a sync (ProxyState without the services and endpoints). */
export type NodeState = Omit<ProxyState, 'servicePorts' | 'endpoints'>;

/**
 * The full-sync transaction writing `desired` (however it was built) for `state`. Service chains
 * the kernel holds but nobody wants are flushed; `deleteNow` says which of them to delete too
 * (default all; the proxier deletes a chain only once it has been stale for a second).
 */
export function fullSyncTransaction(state: NodeState, desired: DesiredState, deleteNow: (chain: string) => boolean = () => true): SyncResult {
  const tx = new Transaction('ip', TABLE_NAME, 'added');
  if (state.existing && hasForeignLayout(state.existing)) {
    // Base chains cannot change hook or priority in place (kube-proxy's add+delete on its first
    // sync): recreate the table in the same atomic transaction. Affinity state is lost once.
    const fresh = fullSyncTransaction({ ...state, existing: undefined }, desired, deleteNow);
    return { ...fresh, tx: prependOps(tx.delete({ kind: 'table' }), fresh.tx) };
  }
  writeBaseRules(tx, { nodeIP: state.nodeIP, serviceCIDR: state.serviceCIDR, masqueradeMark: state.masqueradeMark, nodePortAddresses: state.nodePortAddresses });
  for (const set of desired.affinitySets.values()) tx.add(set);
  writeServiceChains(tx, desired.chains);
  for (const e of desired.elements.values()) tx.add(e);
  const stale = (state.existing?.chains ?? []).filter((c) => isServiceChainName(c) && !desired.chains.has(c));
  for (const name of stale) tx.flush({ kind: 'chain', name });
  for (const name of stale) if (deleteNow(name)) tx.delete({ kind: 'chain', name });
  for (const set of state.existing?.sets ?? []) {
    if (isAffinitySetName(set) && !desired.affinitySets.has(set)) tx.delete({ kind: 'set', name: set });
  }
  return { tx, desired, reachable: desired.reachable };
}

/**
 * Partial sync from `previous` (what the last successful sync wrote) to the state now, by
 * diffing the two whole states (the proxier itself diffs only the changed Services: ServiceTable).
 */
export function partialSyncProxyRules(state: ProxyState, previous: DesiredState): SyncResult {
  const desired = buildDesiredState(state);
  return { tx: deltaTransaction(diffDesiredStates(previous, desired)), desired, reachable: desired.reachable };
}

/** What changed from `previous` to `desired`, as a partial sync writes it. */
export function diffDesiredStates(previous: DesiredState, desired: DesiredState): TableDelta {
  const d: TableDelta = { writeChains: [], deleteChains: [], addSets: [], deleteSets: [], deleteElements: [], addElements: [] };
  for (const [name, set] of desired.affinitySets) {
    if (JSON.stringify(previous.affinitySets.get(name)) !== JSON.stringify(set)) d.addSets.push(set);
  }
  for (const [name, rules] of desired.chains) {
    const old = previous.chains.get(name);
    if (!old || old.length !== rules.length || old.some((r, i) => r !== rules[i])) d.writeChains.push([name, rules]);
  }
  for (const [key, old] of previous.elements) {
    const now = desired.elements.get(key);
    if (!now || !sameElement(old, now)) d.deleteElements.push(old);
  }
  for (const [key, e] of desired.elements) {
    const old = previous.elements.get(key);
    if (!old || !sameElement(old, e)) d.addElements.push(e);
  }
  for (const name of previous.chains.keys()) if (!desired.chains.has(name)) d.deleteChains.push(name);
  for (const name of previous.affinitySets.keys()) if (!desired.affinitySets.has(name)) d.deleteSets.push(name);
  return d;
}

/**
 * A partial sync's transaction: changed chains are flushed and rewritten, new ones added, gone
 * ones flushed and deleted after the elements that pointed at them; elements are added and
 * deleted one by one (a changed value is a delete and an add).
 */
export function deltaTransaction(d: TableDelta, opts: { deleteGoneChains?: boolean } = {}): Transaction {
  const tx = new Transaction('ip', TABLE_NAME);
  // Re-adding an existing set updates its timeout in place (affinity timeout changed).
  for (const set of d.addSets) tx.add(set);
  for (const [name, rules] of d.writeChains) writeChain(tx, name, rules);
  for (const e of d.deleteElements) tx.delete({ ...e, comment: undefined, value: undefined });
  for (const e of d.addElements) tx.add(e);
  // Without deleteGoneChains (the proxier), gone chains are only flushed: deleted a second later.
  for (const name of d.deleteChains) tx.flush({ kind: 'chain', name });
  if (opts.deleteGoneChains ?? true) for (const name of d.deleteChains) tx.delete({ kind: 'chain', name });
  for (const name of d.deleteSets) tx.delete({ kind: 'set', name });
  return tx;
}

const BASE_SET_BY_NAME = new Map(BASE_SETS.map((s) => [s.name, s]));

/**
 * A partial sync's `nft -f` input: `tx` in the blocks form nft 1.0.6 applies without reading
 * every chain of the table (Transaction.toBlocksString), with the declarations of the base sets
 * and maps and of `desired`'s affinity sets, and `desired`'s elements for a set that loses some
 * (rewritten whole instead of deleted from).
 */
export function partialSyncScript(tx: Transaction, desired: DesiredState): string {
  const contents = (set: string) => [...desired.elements.values()].filter((e) => e.set === set);
  return tx.toBlocksString((name) => BASE_SET_BY_NAME.get(name) ?? desired.affinitySets.get(name), contents);
}

const OUR_STATIC_CHAINS = new Set([...BASE_CHAINS, ...HELPER_CHAINS].map((c) => c.name));
const OUR_BASE_CHAINS = new Set(BASE_CHAINS.map((c) => `${c.name} ${c.type} ${c.hook} ${c.priority}`));

/** A static chain we do not write, or a base chain with other hook/priority (an older layout). */
function hasForeignLayout(existing: NonNullable<NodeState['existing']>): boolean {
  if (existing.chains.some((c) => !isServiceChainName(c) && !OUR_STATIC_CHAINS.has(c))) return true;
  return (existing.baseChains ?? []).some((b) => !OUR_BASE_CHAINS.has(b));
}

function prependOps(first: Transaction, rest: Transaction): Transaction {
  for (const op of rest.operations) first.operations.push(op);
  if (rest.err && !first.err) first.err = rest.err;
  return first;
}

/** Whether a rule holds an anonymous set or map (`vmap { ... }`, `ip saddr != { ... }`). */
const bindsAnonymousSet = (rule: string): boolean => /(?:vmap|!=|saddr|daddr) \{/.test(rule);
const jumpTargets = (rule: string): string[] => [...rule.matchAll(/(?:goto|jump) ([^\s,}]+)/g)].map((m) => m[1]);

/**
 * Service chains in the order that keeps a big transaction linear in the kernel: each rule
 * that binds an anonymous set makes the kernel walk the whole transaction so far
 * (`__nft_set_trans_bind`, kernel 6.18), so the chains holding such rules (service-, local-,
 * firewall-) get their rules right after their own declarations, while the transaction is still
 * short; every other rule follows all declarations. 10,000 Services: minutes → seconds.
 */
function writeServiceChains(tx: Transaction, chains: ReadonlyMap<string, readonly string[]>): void {
  const declared = new Set<string>();
  const later: [string, readonly string[]][] = [];
  for (const [name, rules] of chains) {
    tx.add({ kind: 'chain', name }).flush({ kind: 'chain', name });
    declared.add(name);
    const early = rules.some(bindsAnonymousSet) && rules.every((r) => jumpTargets(r).every((t) => declared.has(t) || !isServiceChainName(t)));
    if (early) for (const rule of rules) tx.add({ kind: 'rule', chain: name, rule });
    else later.push([name, rules]);
  }
  for (const [chain, rules] of later) for (const rule of rules) tx.add({ kind: 'rule', chain, rule });
}

function writeChain(tx: Transaction, name: string, rules: readonly string[]): void {
  tx.add({ kind: 'chain', name }).flush({ kind: 'chain', name });
  for (const rule of rules) tx.add({ kind: 'rule', chain: name, rule });
}

export { elementKey };

/**
 * renderRuleset: the `nft -f` text the proxy would apply for these objects, without touching a
 * kernel (what `podnet proxy render` prints).
 */
import type { EndpointSlice, Service } from '../api/types.js';
import { buildEndpointsMap } from './endpoints.js';
import { buildServicePorts } from './service-port.js';
import { syncProxyRules } from './sync-proxy-rules.js';
import { Transaction } from './transaction.js';

export interface RenderOptions {
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR?: string;
  /** The masquerade mark as nft writes it (default 0x4000). */
  masqueradeMark?: string;
  /** --nodeport-addresses CIDRs (default: the node IP only). */
  nodePortAddresses?: readonly string[];
}

function fullSync(services: readonly Service[], slices: readonly EndpointSlice[], opts: RenderOptions): Transaction {
  const { tx } = syncProxyRules({
    servicePorts: buildServicePorts(services),
    endpoints: buildEndpointsMap(slices, opts.nodeName),
    nodeIP: opts.nodeIP,
    clusterCIDR: opts.clusterCIDR,
    serviceCIDR: opts.serviceCIDR,
    masqueradeMark: opts.masqueradeMark,
    nodePortAddresses: opts.nodePortAddresses,
  });
  if (tx.err) throw tx.err;
  return tx;
}

/** Full-sync ruleset text; throws the transaction's error if an operation was invalid. */
export function renderRuleset(services: readonly Service[], slices: readonly EndpointSlice[], opts: RenderOptions): string {
  return fullSync(services, slices, opts).toString();
}

/**
 * The table a full sync leaves behind, as one `add` line per table, chain, set, map, rule and
 * element (what `nft -f` reads on an empty table): the sync's flushes are left out because on a
 * fresh table they change nothing.
 */
export function renderRulesetAdds(services: readonly Service[], slices: readonly EndpointSlice[], opts: RenderOptions): string {
  const tx = fullSync(services, slices, opts);
  const adds = new Transaction(tx.family, tx.table);
  for (const op of tx.operations) if (op.verb === 'add') adds.add(op.obj);
  return adds.toString();
}

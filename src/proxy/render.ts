/**
 * renderRuleset: the `nft -f` text the proxy would apply for these objects, without touching a
 * kernel (what `podnet proxy render` prints).
 */
import type { EndpointSlice, Service } from '../api/types.js';
import { buildEndpointsMap } from './endpoints.js';
import { buildServicePorts } from './service-port.js';
import { syncProxyRules } from './sync-proxy-rules.js';

export interface RenderOptions {
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR?: string;
}

/** Full-sync ruleset text; throws the transaction's error if an operation was invalid. */
export function renderRuleset(services: readonly Service[], slices: readonly EndpointSlice[], opts: RenderOptions): string {
  const { tx } = syncProxyRules({
    servicePorts: buildServicePorts(services),
    endpoints: buildEndpointsMap(slices, opts.nodeName),
    nodeIP: opts.nodeIP,
    clusterCIDR: opts.clusterCIDR,
    serviceCIDR: opts.serviceCIDR,
  });
  if (tx.err) throw tx.err;
  return tx.toString();
}

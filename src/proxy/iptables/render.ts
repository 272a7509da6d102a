/**
 * renderIptables: what kube-proxy's iptables mode writes on a full sync for these Services and
 * EndpointSlices, as `iptables-restore` input (the offline renderer's entry point).
 */
import type { EndpointSlice, Service } from '../../api/types.js';
import { buildEndpointsMap } from '../endpoints.js';
import { buildServicePorts } from '../service-port.js';
import { buildIptablesRuleset, restoreInput, type IptablesOptions } from './ruleset.js';

export interface IptablesRenderOptions extends IptablesOptions {
  /** Endpoints on this node are local (externalTrafficPolicy / internalTrafficPolicy Local). */
  nodeName: string;
}

export function renderIptables(services: readonly Service[], slices: readonly EndpointSlice[], opts: IptablesRenderOptions): string {
  const ruleset = buildIptablesRuleset({
    ...opts,
    servicePorts: buildServicePorts(services),
    endpoints: buildEndpointsMap(slices, opts.nodeName),
  });
  return restoreInput(ruleset);
}

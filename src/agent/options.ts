/** The node agent's options: defaults() then validate(), reporting every problem by field. */
import type { Client } from '../client/client.js';

export interface AgentOptions {
  client: Client;
  clusterName: string;
  nodeName: string;
  /** The node's network namespace (the agent acts on it with ip -n / ip netns exec). */
  nodeNetns: string;
  nodeIP: string;
  /** `<stateRoot>/<cluster>/nodes/<node>`. */
  nodeRoot: string;
  /** Default 10.96.0.10. */
  clusterDNS?: string;
  /** Default cluster.local. */
  clusterDomain?: string;
  /** Where dist/ and bin/cni/ are. */
  repoRoot: string;
  /** The `kubernetes` Service address pods get in their env; default 10.96.0.1. */
  apiServiceHost?: string;
  /** Default 443. */
  apiServicePort?: number;
  /** The service account token given to pods. */
  token?: string;
  /**
   * The pod network: `flannel` (default: bridge + host-local over spec.podCIDR) or `calico`
   * (calico + calico-ipam from /26 blocks of clusterCIDR; no wait for spec.podCIDR).
   */
  network?: 'flannel' | 'calico';
  /** The cluster CIDR, Calico's IP pool (network calico); default 10.244.0.0/16. */
  clusterCIDR?: string;
}

export type ResolvedAgentOptions = AgentOptions & Required<Pick<AgentOptions, 'clusterDNS' | 'clusterDomain' | 'apiServiceHost' | 'apiServicePort'>>;

export function agentDefaults(o: AgentOptions): ResolvedAgentOptions {
  return {
    ...o,
    clusterDNS: o.clusterDNS ?? '10.96.0.10',
    clusterDomain: o.clusterDomain ?? 'cluster.local',
    apiServiceHost: o.apiServiceHost ?? '10.96.0.1',
    apiServicePort: o.apiServicePort ?? 443,
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throws one error listing every invalid field. */
export function validateAgentOptions(o: AgentOptions): void {
  const errs: string[] = [];
  const need = (field: keyof AgentOptions) => {
    if (!o[field]) errs.push(`${field}: Required value`);
  };
  (['client', 'clusterName', 'nodeName', 'nodeNetns', 'nodeIP', 'nodeRoot', 'repoRoot'] as const).forEach(need);
  if (o.nodeIP && !IPV4.test(o.nodeIP)) errs.push(`nodeIP: Invalid value "${o.nodeIP}": must be an IPv4 address`);
  if (o.nodeName && !o.nodeName.split('.').every((l) => DNS_LABEL.test(l))) errs.push(`nodeName: Invalid value "${o.nodeName}": must be a DNS subdomain`);
  if (o.clusterDNS !== undefined && !IPV4.test(o.clusterDNS)) errs.push(`clusterDNS: Invalid value "${o.clusterDNS}": must be an IPv4 address`);
  if (o.apiServicePort !== undefined && !(Number.isInteger(o.apiServicePort) && o.apiServicePort > 0 && o.apiServicePort < 65536)) {
    errs.push(`apiServicePort: Invalid value "${o.apiServicePort}": must be a port number`);
  }
  if (o.network !== undefined && o.network !== 'flannel' && o.network !== 'calico') errs.push(`network: Unsupported value "${o.network}": supported values: "flannel", "calico"`);
  if (o.clusterCIDR !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(o.clusterCIDR)) errs.push(`clusterCIDR: Invalid value "${o.clusterCIDR}": must be an IPv4 CIDR`);
  if (errs.length > 0) throw new Error(`agent: Invalid options: ${errs.join('; ')}`);
}

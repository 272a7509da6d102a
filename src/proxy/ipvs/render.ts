/**
 * renderIpvs: everything kube-proxy's IPVS mode would program on a node after a full sync, for
 * these Services and EndpointSlices, without a kernel (what `podnet proxy render --mode ipvs`
 * prints): the kube-ipvs0 addresses, the virtual and real servers, the ipsets and the iptables
 * rules that use them.
 */
import type { EndpointSlice, Service } from '../../api/types.js';
import { buildEndpointsMap } from '../endpoints.js';
import { renderIpsetRestore } from './ipsets.js';
import { JUMP_RULES, renderIpvsIptables } from './iptables-rules.js';
import { renderIpvsadm } from './ipvsadm.js';
import { buildIpvsState, DUMMY_DEVICE, type IpvsState } from './ipvs-state.js';

export interface IpvsRenderOptions {
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  /** As iptables writes it (default 0x00004000: `%#08x` of 1 << 14). */
  masqueradeMark?: string;
  nodePortAddresses?: readonly string[];
  /** IPVS scheduler (default rr). */
  scheduler?: string;
}

export const DEFAULT_IPVS_MASQUERADE_MARK = '0x00004000';

export interface IpvsRender {
  state: IpvsState;
  /** `ip -batch` lines: the dummy device and its /32 addresses. */
  dummy: string[];
  /** `ipvsadm-restore` input. */
  ipvsadm: string;
  /** `ipset restore` input. */
  ipset: string;
  /** `iptables-restore --noflush` input. */
  iptables: string;
  /** `iptables <args>` kube-proxy prepends to the built-in chains. */
  jumpRules: readonly string[];
}

export function renderIpvs(services: readonly Service[], slices: readonly EndpointSlice[], opts: IpvsRenderOptions): IpvsRender {
  const endpoints = buildEndpointsMap(slices, opts.nodeName);
  const state = buildIpvsState(services, endpoints, { nodeIP: opts.nodeIP, nodePortAddresses: opts.nodePortAddresses, scheduler: opts.scheduler });
  return {
    state,
    dummy: [`link add ${DUMMY_DEVICE} type dummy`, ...state.dummyAddresses.map((a) => `address add ${a}/32 dev ${DUMMY_DEVICE}`)],
    ipvsadm: renderIpvsadm(state.virtualServers),
    ipset: renderIpsetRestore(state.ipsets),
    iptables: renderIpvsIptables(state, { clusterCIDR: opts.clusterCIDR, masqueradeMark: opts.masqueradeMark ?? DEFAULT_IPVS_MASQUERADE_MARK }),
    jumpRules: JUMP_RULES,
  };
}

/** The whole render as one text, each part under a `#` header naming the tool that reads it. */
export function renderIpvsText(r: IpvsRender): string {
  return [
    `# ip -batch: the ${DUMMY_DEVICE} dummy device holds every service address`,
    ...r.dummy,
    '# ipvsadm-restore: virtual servers (-A) and real servers (-a)',
    r.ipvsadm.trimEnd(),
    '# ipset restore',
    r.ipset.trimEnd(),
    '# iptables (jump rules kube-proxy inserts outside iptables-restore)',
    ...r.jumpRules.map((j) => `iptables ${j}`),
    '# iptables-restore --noflush',
    r.iptables.trimEnd(),
  ].filter((l) => l !== '').join('\n') + '\n';
}

/** kube-proxy's IPVS mode: detection, an offline renderer, and programming where IPVS exists. */
export { detectIpvs, requireIpvs, type IpvsSupport, type DetectDeps } from './detect.js';
export { renderIpvs, renderIpvsText, DEFAULT_IPVS_MASQUERADE_MARK, type IpvsRender, type IpvsRenderOptions } from './render.js';
export { buildIpvsState, realServersFor, nodePortAddressesOf, DUMMY_DEVICE, DEFAULT_SCHEDULER, type IpvsState, type VirtualServer, type RealServer } from './ipvs-state.js';
export { renderIpvsadm } from './ipvsadm.js';
export { IPSETS, renderIpsetRestore } from './ipsets.js';
export { renderIpvsIptables, JUMP_RULES } from './iptables-rules.js';
export { programIpvs } from './program.js';

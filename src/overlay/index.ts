/** Cross-node networking: the flannel-style VXLAN overlay with the kube subnet manager. */
export { startFlannel, FlannelAgent, type Flannel, type FlannelOptions } from './flannel.js';
export { leaseOf, leaseAnnotations, parseBackendData, type Lease, type VxlanBackendData } from './annotations.js';
export { desiredVxlanState, diffVxlanState, type VxlanState, type VxlanDiff } from './vxlan-desired.js';
export { renderSubnetEnv, parseSubnetEnv, parseCIDR, type SubnetEnv } from './subnet.js';
export { VXLAN_DEVICE, deleteVxlanDevice } from './vxlan-device.js';
export { BACKEND_TYPES, DEFAULT_BACKEND, parseBackendType, type BackendType } from './backend.js';
export { desiredHostGwRoutes, diffHostGwRoutes, readHostGwRoutes, syncHostGwRoutes, type HostGwRoute } from './hostgw.js';
export { hostGwLeaseAnnotations } from './annotations.js';
export { EtcdSubnetRegistry, type EtcdSubnetOptions } from './etcd-subnets.js';
export { etcdNetworkPrefix, subnetKey, renderLeaseAttrs, leaseFromEtcd, SUBNET_TTL_SECONDS, RENEW_MARGIN_SECONDS, type LeaseAttrs, type NetworkConfig } from './lease-attrs.js';

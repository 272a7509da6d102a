/**
 * Defaulting by kind, applied by the apiserver on every create and update before validation
 * (upstream runs defaulters when decoding a request).
 */
import type {
  DaemonSet, Deployment, EndpointSlice, Endpoints, IngressClass, KubeObject, NetworkPolicy, Node, Pod, ReplicaSet,
  ReplicationController, Secret, Service,
} from '../types.js';
import { defaultEndpointSlice, defaultEndpoints, defaultNode, defaultSecret } from './core.js';
import { defaultIngressClass, defaultNetworkPolicy } from './networking.js';
import { defaultPodSpec } from './pod.js';
import { defaultService } from './service.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultReplicationController } from './workloads.js';

export { defaultPodSpec, defaultPullPolicy } from './pod.js';
export { defaultService } from './service.js';
export { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultReplicationController } from './workloads.js';
export { defaultIngressClass, defaultNetworkPolicy } from './networking.js';

const DEFAULTERS: Record<string, (obj: KubeObject) => void> = {
  Pod: (o) => defaultPodSpec(((o as Pod).spec ??= { containers: [] })),
  Service: (o) => defaultService(o as Service),
  Deployment: (o) => defaultDeployment(o as Deployment),
  ReplicaSet: (o) => defaultReplicaSet(o as ReplicaSet),
  DaemonSet: (o) => defaultDaemonSet(o as DaemonSet),
  ReplicationController: (o) => defaultReplicationController(o as ReplicationController),
  Endpoints: (o) => defaultEndpoints(o as Endpoints),
  EndpointSlice: (o) => defaultEndpointSlice(o as EndpointSlice),
  Secret: (o) => defaultSecret(o as Secret),
  Node: (o) => defaultNode(o as Node),
  NetworkPolicy: (o) => defaultNetworkPolicy(o as NetworkPolicy),
  IngressClass: (o) => defaultIngressClass(o as IngressClass),
};

/** Fills in defaulted fields of an object of the given kind, in place. */
export function applyDefaults(kind: string, obj: KubeObject): void {
  DEFAULTERS[kind]?.(obj);
}

/**
 * Defaulting by kind, applied by the apiserver on every create and update before validation
 * (upstream runs defaulters when decoding a request).
 */
import type { DaemonSet, Deployment, EndpointSlice, Endpoints, KubeObject, Pod, ReplicaSet, ReplicationController, Secret, Service } from '../types.js';
import { defaultPodSpec } from './pod.js';
import { defaultService } from './service.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultReplicationController } from './workloads.js';

export { defaultPodSpec, defaultPullPolicy } from './pod.js';
export { defaultService } from './service.js';
export { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultReplicationController } from './workloads.js';

const DEFAULTERS: Record<string, (obj: KubeObject) => void> = {
  Pod: (o) => {
    const pod = o as Pod;
    defaultPodSpec((pod.spec ??= { containers: [] }));
  },
  Service: (o) => defaultService(o as Service),
  Deployment: (o) => defaultDeployment(o as Deployment),
  ReplicaSet: (o) => defaultReplicaSet(o as ReplicaSet),
  ReplicationController: (o) => defaultReplicationController(o as ReplicationController),
  // SetDefaults_Secret
  Secret: (o) => {
    (o as Secret).type ||= 'Opaque';
  },
  DaemonSet: (o) => defaultDaemonSet(o as DaemonSet),
  Endpoints: (o) => {
    for (const s of (o as Endpoints).subsets ?? []) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
  },
  EndpointSlice: (o) => {
    for (const p of (o as EndpointSlice).ports ?? []) p.protocol ??= 'TCP';
  },
};

/** Fills in defaulted fields of an object of the given kind, in place. */
export function applyDefaults(kind: string, obj: KubeObject): void {
  DEFAULTERS[kind]?.(obj);
}

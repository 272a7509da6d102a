/**
 * Wire types of the Kubernetes objects podnet handles: the JSON shapes, from kubernetes-types
 * (generated from the upstream OpenAPI). Every component imports them from here.
 */
export type {
  ObjectMeta,
  ListMeta,
  LabelSelector,
  LabelSelectorRequirement,
  OwnerReference,
  Status,
  Condition,
} from 'kubernetes-types/meta/v1.js';
export type {
  Pod,
  PodSpec,
  PodStatus,
  PodCondition,
  PodTemplateSpec,
  Container,
  ContainerPort,
  ContainerStatus,
  Node,
  NodeSpec,
  NodeStatus,
  NodeAddress,
  NodeCondition,
  Namespace,
  Service,
  ServiceSpec,
  ServicePort,
  Endpoints,
  EndpointSubset,
  EndpointAddress,
  EndpointPort,
  ConfigMap,
  Secret,
  Event,
  ReplicationController,
} from 'kubernetes-types/core/v1.js';
// Used by the node agent (probes, volumes).
export type { Probe, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
export type { Deployment, ReplicaSet, DaemonSet } from 'kubernetes-types/apps/v1.js';
export type { EndpointSlice, Endpoint as SliceEndpoint, EndpointPort as SlicePort } from 'kubernetes-types/discovery/v1.js';
export type { NetworkPolicy, Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/**
 * Any Kubernetes object: what generic code (store, apiserver, informers) handles. No index
 * signature, so that the typed objects (Pod, Service, ...) satisfy it; generic code that reads
 * other fields goes through `UnstructuredObject`.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** An object whose fields beyond apiVersion/kind/metadata are not known statically. */
export interface UnstructuredObject extends KubeObject {
  [field: string]: unknown;
}

/** `namespace/name` (or `name` for cluster-scoped objects): the informer cache key, as client-go's. */
export function objectKey(obj: { metadata?: ObjectMeta }): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : `${m.name ?? ''}`;
}

/**
 * Validation by kind, as the apiserver's strategies call it: object metadata (with the name rule
 * of the kind) plus the kind's own checks; update adds what may not change. Every kind of
 * src/api/resources.ts has an entry.
 */
import type {
  ConfigMap, DaemonSet, Deployment, EndpointSlice, Endpoints, Event, Ingress, IngressClass, Namespace, NetworkPolicy, Node, Pod,
  ReplicaSet, ReplicationController, Secret, Service, UnstructuredObject,
} from '../types.js';
import type { FieldError } from './field-errors.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './config.js';
import { validateDaemonSet, validateDaemonSetUpdate } from './daemonset.js';
import { validateEndpointSlice, validateEndpointSliceUpdate, validateEndpoints } from './endpoints.js';
import { validateEvent } from './event.js';
import { validateIngressClass, validateIngressClassUpdate, validateIngressCreate, validateIngressUpdate } from './ingress.js';
import { validateLease } from './lease.js';
import { validateBlockAffinity, validateIPAMBlock, validateIPAMHandle } from './calico.js';
import type { BlockAffinity, IPAMBlock, IPAMHandle } from '../calico.js';
import { type NameValidator, validateObjectMeta } from './meta.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { validateNamespace, validateNode, validateNodeUpdate } from './namespace.js';
import { validateNetworkPolicy } from './networkpolicy.js';
import { validatePodImages, validatePodSpec } from './pod.js';
import { validatePodUpdate } from './pod-update.js';
import { validateReplicationController } from './replicationcontroller.js';
import { validateService, validateServiceUpdate } from './service.js';
import { validateDeployment, validateReplicaSet, validateSelectorUpdate } from './workloads.js';

export * from './field-errors.js';
export { selectorMatches } from './workloads.js';
export { isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue } from './names.js';

type Check = (obj: UnstructuredObject) => FieldError[];
type UpdateCheck = (next: UnstructuredObject, prev: UnstructuredObject) => FieldError[];

interface KindRules {
  name: NameValidator;
  create: Check;
  /** The update rules; the create rules when absent. */
  update?: UpdateCheck;
}

const as = <T>(fn: (o: T) => FieldError[]): Check => (o) => fn(o as unknown as T);
const asUpdate = <T>(fn: (a: T, b: T) => FieldError[]): UpdateCheck => (a, b) => fn(a as unknown as T, b as unknown as T);
const metaOnly: Check = () => [];
const sub = isDNS1123Subdomain;

const KINDS: Record<string, KindRules> = {
  Namespace: { name: isDNS1123Label, create: as<Namespace>(validateNamespace) },
  Node: { name: sub, create: as<Node>(validateNode), update: asUpdate<Node>(validateNodeUpdate) },
  Pod: {
    name: sub,
    create: as<Pod>((p) => [...validatePodSpec(p.spec, 'spec'), ...validatePodImages(p.spec)]),
    update: asUpdate<Pod>((a, b) => [...validatePodSpec(a.spec, 'spec'), ...validatePodImages(a.spec), ...validatePodUpdate(a, b)]),
  },
  Service: { name: isDNS1035Label, create: as<Service>(validateService), update: asUpdate<Service>(validateServiceUpdate) },
  Endpoints: { name: sub, create: as<Endpoints>(validateEndpoints) },
  ConfigMap: { name: sub, create: as<ConfigMap>(validateConfigMap), update: asUpdate<ConfigMap>(validateConfigMapUpdate) },
  Secret: { name: sub, create: as<Secret>(validateSecret), update: asUpdate<Secret>(validateSecretUpdate) },
  ServiceAccount: { name: sub, create: metaOnly },
  Event: { name: sub, create: as<Event>(validateEvent) },
  ReplicationController: { name: sub, create: as<ReplicationController>(validateReplicationController) },
  Deployment: {
    name: sub,
    create: as<Deployment>(validateDeployment),
    update: asUpdate<Deployment>((a, b) => [...validateDeployment(a), ...validateSelectorUpdate(a, b)]),
  },
  ReplicaSet: {
    name: sub,
    create: as<ReplicaSet>(validateReplicaSet),
    update: asUpdate<ReplicaSet>((a, b) => [...validateReplicaSet(a), ...validateSelectorUpdate(a, b)]),
  },
  DaemonSet: { name: sub, create: as<DaemonSet>(validateDaemonSet), update: asUpdate<DaemonSet>(validateDaemonSetUpdate) },
  EndpointSlice: { name: sub, create: as<EndpointSlice>(validateEndpointSlice), update: asUpdate<EndpointSlice>(validateEndpointSliceUpdate) },
  NetworkPolicy: { name: sub, create: as<NetworkPolicy>(validateNetworkPolicy) },
  Ingress: { name: sub, create: as<Ingress>(validateIngressCreate), update: asUpdate<Ingress>((a) => validateIngressUpdate(a)) },
  IngressClass: { name: sub, create: as<IngressClass>(validateIngressClass), update: asUpdate<IngressClass>(validateIngressClassUpdate) },
  Lease: { name: sub, create: validateLease },
  IPAMBlock: { name: sub, create: as<IPAMBlock>(validateIPAMBlock) },
  BlockAffinity: { name: sub, create: as<BlockAffinity>(validateBlockAffinity) },
  IPAMHandle: { name: sub, create: as<IPAMHandle>(validateIPAMHandle) },
};

/** The kinds validation knows (every kind the apiserver serves). */
export const validatedKinds = (): string[] => Object.keys(KINDS);

/** Validates an object about to be created. */
export function validateObject(kind: string, namespaced: boolean, obj: UnstructuredObject): FieldError[] {
  const rules = KINDS[kind];
  return [...validateObjectMeta(obj.metadata, namespaced, rules?.name ?? sub), ...(rules?.create(obj) ?? [])];
}

/** Validates an update: metadata, then the kind's update rules (create rules plus what may not change). */
export function validateObjectUpdate(kind: string, namespaced: boolean, next: UnstructuredObject, prev: UnstructuredObject): FieldError[] {
  const rules = KINDS[kind];
  const meta = validateObjectMeta(next.metadata, namespaced, rules?.name ?? sub);
  if (!rules) return meta;
  return [...meta, ...(rules.update ? rules.update(next, prev) : rules.create(next))];
}

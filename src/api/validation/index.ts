/**
 * Validation by kind, as the apiserver's strategies call it: object metadata (with the name rule
 * of the kind) plus the kind's own checks; update adds the immutability rules.
 */
import type { Deployment, EndpointSlice, Endpoints, Pod, ReplicaSet, Service, UnstructuredObject } from '../types.js';
import type { FieldError } from './field-errors.js';
import { validateEndpointSlice, validateEndpoints } from './endpoints.js';
import { type NameValidator, validateObjectMeta } from './meta.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { validatePodSpec } from './pod.js';
import { validatePodUpdate } from './pod-update.js';
import { validateService, validateServiceUpdate } from './service.js';
import { validateDeployment, validateReplicaSet, validateSelectorUpdate } from './workloads.js';

export * from './field-errors.js';
export { selectorMatches } from './workloads.js';
export { isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue } from './names.js';

const NAME_RULES: Record<string, NameValidator> = {
  Service: isDNS1035Label,
  Namespace: isDNS1123Label,
};

const KIND_RULES: Record<string, (obj: UnstructuredObject) => FieldError[]> = {
  Pod: (o) => validatePodSpec((o as Pod).spec, 'spec'),
  Service: (o) => validateService(o as Service),
  Deployment: (o) => validateDeployment(o as Deployment),
  ReplicaSet: (o) => validateReplicaSet(o as ReplicaSet),
  EndpointSlice: (o) => validateEndpointSlice(o as unknown as EndpointSlice),
  Endpoints: (o) => validateEndpoints(o as Endpoints),
};

/** Validates an object about to be created. */
export function validateObject(kind: string, namespaced: boolean, obj: UnstructuredObject): FieldError[] {
  const nameFn = NAME_RULES[kind] ?? isDNS1123Subdomain;
  return [...validateObjectMeta(obj.metadata, namespaced, nameFn), ...(KIND_RULES[kind]?.(obj) ?? [])];
}

/** Validates an update: the create rules plus what may not change. */
export function validateObjectUpdate(kind: string, namespaced: boolean, next: UnstructuredObject, prev: UnstructuredObject): FieldError[] {
  if (kind === 'Service') {
    const nameFn = NAME_RULES.Service;
    return [...validateObjectMeta(next.metadata, namespaced, nameFn), ...validateServiceUpdate(next as Service, prev as Service)];
  }
  const errs = validateObject(kind, namespaced, next);
  if (kind === 'Deployment' || kind === 'ReplicaSet') errs.push(...validateSelectorUpdate(next as Deployment, prev as Deployment));
  if (kind === 'Pod') errs.push(...validatePodUpdate(next as Pod, prev as Pod));
  return errs;
}

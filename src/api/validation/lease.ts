/** coordination.k8s.io/v1 Lease validation (ValidateLeaseSpec). */
import type { UnstructuredObject } from '../types.js';
import { type FieldError, forbidden, invalidValue } from './field-errors.js';
import { nonNegative } from './common.js';

interface LeaseSpec {
  leaseDurationSeconds?: number;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

export function validateLease(lease: UnstructuredObject): FieldError[] {
  const spec = (lease.spec ?? {}) as LeaseSpec;
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(invalidValue('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  errs.push(...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  if (spec.preferredHolder && !spec.strategy) errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

/**
 * ReplicationController validation (ValidateReplicationControllerSpec): a non-empty map selector
 * that matches the template (defaulted from the template's labels), replicas >= 0. Unlike apps/v1,
 * the selector may change.
 */
import type { ReplicationController } from '../types.js';
import { type FieldError, required } from './field-errors.js';
import { nonNegative } from './common.js';
import { validateTemplate } from './pod-template.js';

export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const spec = rc.spec;
  if (!spec) return [required('spec')];
  const errs = nonNegative(spec.minReadySeconds, 'spec.minReadySeconds');
  const selector = spec.selector ?? {};
  const empty = Object.keys(selector).length === 0;
  if (empty) errs.push(required('spec.selector'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  const labels = spec.template?.metadata?.labels ?? {};
  const matches = empty ? undefined : Object.entries(selector).every(([k, v]) => labels[k] === v);
  errs.push(...validateTemplate(spec.template, 'spec.template', matches, 'ReplicationController'));
  return errs;
}

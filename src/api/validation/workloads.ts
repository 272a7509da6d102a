/** Deployment and ReplicaSet validation: selector, template labels, replicas, pod template. */
import type { Deployment, LabelSelector, PodTemplateSpec, ReplicaSet } from '../types.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { validateLabels } from './meta.js';
import { validatePodSpec } from './pod.js';

/** Whether a metav1.LabelSelector selects the given labels. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const isEmptySelector = (s: LabelSelector): boolean =>
  Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;

interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
}

function validateWorkloadSpec(spec: WorkloadSpec | undefined, kind: string): FieldError[] {
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    errs.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  const labels = spec.template?.metadata?.labels ?? {};
  if (!spec.selector) errs.push(required('spec.selector'));
  else if (isEmptySelector(spec.selector)) {
    errs.push(invalidValue('spec.selector', spec.selector, `empty selector is invalid for ${kind}`));
  } else {
    errs.push(...validateLabels(spec.selector.matchLabels, 'spec.selector.matchLabels'));
    if (!selectorMatches(spec.selector, labels)) {
      errs.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
  }
  if (!spec.template) return [...errs, required('spec.template')];
  errs.push(...validateLabels(spec.template.metadata?.labels, 'spec.template.metadata.labels'));
  errs.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
  const rp = spec.template.spec?.restartPolicy;
  if (rp && rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return errs;
}

export function validateDeployment(d: Deployment): FieldError[] {
  const errs = validateWorkloadSpec(d.spec, 'deployment');
  const strategy = d.spec?.strategy?.type;
  if (strategy && strategy !== 'RollingUpdate' && strategy !== 'Recreate') {
    errs.push(notSupported('spec.strategy.type', strategy, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  return validateWorkloadSpec(rs.spec, 'replicaset');
}

/** apps/v1 selectors are immutable. */
export function validateSelectorUpdate(next: { spec?: WorkloadSpec }, prev: { spec?: WorkloadSpec }): FieldError[] {
  const a = JSON.stringify(next.spec?.selector ?? null);
  const b = JSON.stringify(prev.spec?.selector ?? null);
  return a === b ? [] : [invalidValue('spec.selector', next.spec?.selector ?? null, 'field is immutable')];
}

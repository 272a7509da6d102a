/** Pod templates inside workloads (ValidatePodTemplateSpecForReplicaSet / ForRC): labels, spec, restart policy. */
import type { PodTemplateSpec } from '../types.js';
import { type FieldError, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { validatePodSpec } from './pod.js';
import { goMap } from './go-values.js';

/**
 * Checks `template` at `path` (`spec.template`); `matches` says whether the workload's selector
 * selects the template's labels (undefined: no selector to check). `kind` names the workload in
 * upstream's activeDeadlineSeconds message.
 */
export function validateTemplate(template: PodTemplateSpec | undefined, path: string, matches: boolean | undefined, kind: string): FieldError[] {
  if (!template) return [required(path)];
  const labels = template.metadata?.labels;
  const errs: FieldError[] = [];
  if (matches === false) errs.push(invalidValue(`${path}.metadata.labels`, goMap(labels), '`selector` does not match template `labels`'));
  errs.push(...validateLabels(labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  const rp = template.spec?.restartPolicy;
  if (template.spec && rp !== 'Always') errs.push(notSupported(`${path}.spec.restartPolicy`, rp ?? '', ['Always']));
  const ads = template.spec?.activeDeadlineSeconds;
  if (ads !== undefined) {
    const detail = `activeDeadlineSeconds in ${kind} is not Supported`;
    errs.push(kind === 'ReplicaSet' ? forbidden(`${path}.spec.activeDeadlineSeconds`, detail) : invalidValue(`${path}.spec.activeDeadlineSeconds`, ads, detail));
  }
  return errs;
}

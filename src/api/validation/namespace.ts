/** Namespace and Node validation (ValidateNamespace, ValidateNode, ValidateNodeUpdate). */
import type { Namespace, Node } from '../types.js';
import { type FieldError, duplicate, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { CIDR_DETAIL, parseAnyCidr } from './ip.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { TAINT_EFFECTS } from './pod-tolerations.js';
import { goTaint } from './go-values.js';

/** spec.finalizers: qualified names, fully qualified unless standard (`kubernetes`). */
export function validateNamespace(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  (ns.spec?.finalizers ?? []).forEach((f, i) => {
    const path = `spec.finalizers[${i}]`;
    const msgs = isQualifiedName(f);
    if (msgs.length) errs.push(...msgs.map((d) => invalidValue(path, f, d)));
    else if (!f.includes('/') && f !== 'kubernetes') errs.push(invalidValue(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}

function validateTaints(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const tp = `spec.taints[${i}]`;
    if (!t.key) errs.push(required(`${tp}.key`));
    else errs.push(...isQualifiedName(t.key).map((d) => invalidValue(`${tp}.key`, t.key, d)));
    if (t.value) errs.push(...isValidLabelValue(t.value).map((d) => invalidValue(`${tp}.value`, t.value, d)));
    if (!t.effect) errs.push(required(`${tp}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${tp}.effect`, t.effect, TAINT_EFFECTS));
    const id = `${t.key}/${t.effect}`;
    if (seen.has(id)) errs.push({ ...duplicate(tp, goTaint(t)), detail: 'taints must be unique by key and effect pair' });
    seen.add(id);
  });
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  const errs = validateTaints(node);
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => {
    if (!parseAnyCidr(c)) errs.push(invalidValue(`spec.podCIDRs[${i}]`, c, CIDR_DETAIL));
  });
  if (cidrs.length > 2) errs.push(invalidValue('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  return errs;
}

/** A node's pod CIDRs and provider ID may be set once (by node IPAM), never changed. */
export function validateNodeUpdate(next: Node, prev: Node): FieldError[] {
  const errs = validateNode(next);
  const oldCIDRs = prev.spec?.podCIDRs ?? [];
  const newCIDRs = next.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0 && (oldCIDRs.length !== newCIDRs.length || oldCIDRs.some((c, i) => c !== newCIDRs[i]))) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  const oldID = prev.spec?.providerID;
  if (oldID && next.spec?.providerID !== oldID) errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  return errs;
}

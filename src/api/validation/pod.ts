/** PodSpec validation (pkg/apis/core/validation ValidatePodSpec), the parts podnet relies on. */
import type { Container, PodSpec } from '../types.js';
import { type FieldError, duplicate, invalidValue, notSupported, required } from './field-errors.js';
import { PORT_RANGE, isDNS1123Label, isValidPortName, isValidPortNum } from './names.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'] as const;
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;

function validatePorts(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (p.name !== undefined && p.name !== '') {
      for (const d of isValidPortName(p.name)) errs.push(invalidValue(`${pp}.name`, p.name, d));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) errs.push(required(`${pp}.containerPort`));
    else if (!isValidPortNum(p.containerPort)) errs.push(invalidValue(`${pp}.containerPort`, p.containerPort, PORT_RANGE));
    if (p.hostPort !== undefined && p.hostPort !== 0 && !isValidPortNum(p.hostPort)) {
      errs.push(invalidValue(`${pp}.hostPort`, p.hostPort, PORT_RANGE));
    }
    if (p.protocol === undefined) errs.push(required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol as (typeof PROTOCOLS)[number])) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

function validateContainers(list: Container[] | undefined, path: string, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  (list ?? []).forEach((c, i) => {
    const cp = `${path}[${i}]`;
    if (!c.name) errs.push(required(`${cp}.name`));
    else {
      for (const d of isDNS1123Label(c.name)) errs.push(invalidValue(`${cp}.name`, c.name, d));
      if (seen.has(c.name)) errs.push(duplicate(`${cp}.name`, c.name));
      seen.add(c.name);
    }
    if (!c.image || !c.image.trim()) errs.push(required(`${cp}.image`));
    errs.push(...validatePorts(c, cp));
    (c.env ?? []).forEach((e, j) => {
      if (!e.name) errs.push(required(`${cp}.env[${j}].name`));
    });
  });
  return errs;
}

/** Validates a pod spec at `path` (`spec`, or `spec.template.spec` in workloads). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [required(path)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  if (!spec.containers || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  errs.push(...validateContainers(spec.containers, `${path}.containers`, seen));
  errs.push(...validateContainers(spec.initContainers, `${path}.initContainers`, seen));
  if (spec.restartPolicy && !RESTART_POLICIES.includes(spec.restartPolicy as (typeof RESTART_POLICIES)[number])) {
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy && !DNS_POLICIES.includes(spec.dnsPolicy as (typeof DNS_POLICIES)[number])) {
    errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  }
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    errs.push(invalidValue(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  const vols = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    if (!v.name) errs.push(required(`${path}.volumes[${i}].name`));
    else if (vols.has(v.name)) errs.push(duplicate(`${path}.volumes[${i}].name`, v.name));
    vols.add(v.name);
  });
  return errs;
}

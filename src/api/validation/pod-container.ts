/**
 * One container (validateContainerCommon and the pod-only checks): name, image, ports, env,
 * volume mounts, pull and termination-message policies, resources, probes.
 */
import type { Container } from '../types.js';
import { type FieldError, duplicate, invalidValue, notSupported, required } from './field-errors.js';
import { isSupported } from './common.js';
import { PORT_RANGE, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isRelaxedEnvVarName, isValidPortName, isValidPortNum } from './names.js';
import { validateProbe } from './pod-probe.js';
import { validateVolumeMounts } from './pod-volumes.js';
import { QUANTITY_REGEX, parseQuantity, quantityString } from './quantity.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const STANDARD_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

function validatePorts(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}[${i}]`;
    if (p.name) {
      const msgs = isValidPortName(p.name);
      if (msgs.length) errs.push(...msgs.map((d) => invalidValue(`${pp}.name`, p.name, d)));
      else if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      else names.add(p.name);
    }
    if (!p.containerPort) errs.push(required(`${pp}.containerPort`));
    else if (!isValidPortNum(p.containerPort)) errs.push(invalidValue(`${pp}.containerPort`, p.containerPort, PORT_RANGE));
    if (p.hostPort && !isValidPortNum(p.hostPort)) errs.push(invalidValue(`${pp}.hostPort`, p.hostPort, PORT_RANGE));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!isSupported(PROTOCOLS, p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

function validateKeyRef(ref: { name?: string; key?: string }, path: string): FieldError[] {
  const errs = ref.name ? isDNS1123Subdomain(ref.name).map((d) => invalidValue(`${path}.name`, ref.name, d)) : [];
  if (!ref.key) errs.push(required(`${path}.key`));
  else errs.push(...isConfigMapKey(ref.key).map((d) => invalidValue(`${path}.key`, ref.key, d)));
  return errs;
}

function validateValueFrom(e: NonNullable<Container['env']>[number], path: string): FieldError[] {
  const from = e.valueFrom;
  if (!from) return [];
  const errs: FieldError[] = [];
  const sources = [from.fieldRef, from.resourceFieldRef, from.configMapKeyRef, from.secretKeyRef].filter((s) => s != null).length;
  if (from.fieldRef) {
    const fp = from.fieldRef.fieldPath;
    if (!from.fieldRef.apiVersion) errs.push(required(`${path}.fieldRef.apiVersion`));
    else if (!fp) errs.push(required(`${path}.fieldRef.fieldPath`));
    else if (!/^metadata\.(labels|annotations)\['.+'\]$/.test(fp) && !ENV_FIELD_PATHS.includes(fp)) {
      errs.push(notSupported(`${path}.fieldRef.fieldPath`, fp, ENV_FIELD_PATHS));
    }
  }
  if (from.configMapKeyRef) errs.push(...validateKeyRef(from.configMapKeyRef, `${path}.configMapKeyRef`));
  if (from.secretKeyRef) errs.push(...validateKeyRef(from.secretKeyRef, `${path}.secretKeyRef`));
  if (sources === 0) errs.push(invalidValue(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (e.value) errs.push(invalidValue(path, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(invalidValue(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateEnv(c: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (c.env ?? []).forEach((e, i) => {
    const ep = `${path}[${i}]`;
    if (!e.name) errs.push(required(`${ep}.name`));
    else errs.push(...isRelaxedEnvVarName(e.name).map((d) => invalidValue(`${ep}.name`, e.name, d)));
    errs.push(...validateValueFrom(e, `${ep}.valueFrom`));
  });
  return errs;
}

function validateResourceList(list: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, q] of Object.entries(list ?? {})) {
    const rp = `${path}[${name}]`;
    if (!name.includes('/') && !STANDARD_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
      errs.push(invalidValue(rp, name, 'must be a standard resource for containers'));
    }
    const v = parseQuantity(q);
    if (v === undefined) errs.push(invalidValue(rp, q, `quantities must match the regular expression '${QUANTITY_REGEX}'`));
    else if (v < 0) errs.push(invalidValue(rp, quantityString(q), 'must be greater than or equal to 0'));
  }
  return errs;
}

function validateResources(c: Container, path: string): FieldError[] {
  const limits = (c.resources?.limits ?? {}) as Record<string, unknown>;
  const requests = (c.resources?.requests ?? {}) as Record<string, unknown>;
  const errs = [...validateResourceList(limits, `${path}.limits`), ...validateResourceList(requests, `${path}.requests`)];
  for (const [name, q] of Object.entries(requests)) {
    const req = parseQuantity(q);
    const lim = parseQuantity(limits[name]);
    if (req === undefined || lim === undefined) continue;
    if (req > lim) errs.push(invalidValue(`${path}.requests`, quantityString(q), `must be less than or equal to ${name} limit of ${quantityString(limits[name])}`));
  }
  return errs;
}

/** Checks shared by containers and init containers (names are checked by the caller, across both lists). */
export function validateContainer(c: Container, path: string, volumes: Set<string>, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${path}.name`));
  else errs.push(...isDNS1123Label(c.name).map((d) => invalidValue(`${path}.name`, c.name, d)));
  if (!c.image) errs.push(required(`${path}.image`));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(required(`${path}.terminationMessagePolicy`));
  else if (!isSupported(TERMINATION_MESSAGE_POLICIES, tmp)) errs.push(notSupported(`${path}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
  errs.push(...validatePorts(c, `${path}.ports`));
  errs.push(...validateEnv(c, `${path}.env`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  if (!c.imagePullPolicy) errs.push(required(`${path}.imagePullPolicy`));
  else if (!isSupported(PULL_POLICIES, c.imagePullPolicy)) errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  errs.push(...validateResources(c, `${path}.resources`));
  if (!isInit) {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
  }
  return errs;
}

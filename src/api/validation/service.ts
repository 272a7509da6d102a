/** Service validation (ValidateService / ValidateServiceUpdate), the parts podnet relies on. */
import type { Service, ServicePort } from '../types.js';
import { type FieldError, duplicate, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { isIPAddress } from './ip.js';
import { validateLabels } from './meta.js';
import { PORT_RANGE, isDNS1123Label, isValidPortName, isValidPortNum } from './names.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const AFFINITIES = ['ClientIP', 'None'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;

const oneOf = <T extends readonly string[]>(list: T, v: unknown): boolean => list.includes(v as T[number]);

function validateTargetPort(p: ServicePort, path: string): FieldError[] {
  const t = p.targetPort;
  if (t === undefined) return [];
  if (typeof t === 'number') return isValidPortNum(t) ? [] : [invalidValue(path, t, PORT_RANGE)];
  return isValidPortName(t).map((d) => invalidValue(path, t, d));
}

function validatePort(p: ServicePort, i: number, multi: boolean, names: Set<string>): FieldError[] {
  const pp = `spec.ports[${i}]`;
  const errs: FieldError[] = [];
  if (multi && !p.name) errs.push(required(`${pp}.name`));
  if (p.name) {
    for (const d of isDNS1123Label(p.name)) errs.push(invalidValue(`${pp}.name`, p.name, d));
    if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
    names.add(p.name);
  }
  if (!isValidPortNum(p.port)) errs.push(invalidValue(`${pp}.port`, p.port, PORT_RANGE));
  if (p.protocol === undefined) errs.push(required(`${pp}.protocol`));
  else if (!oneOf(PROTOCOLS, p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  errs.push(...validateTargetPort(p, `${pp}.targetPort`));
  if (p.nodePort !== undefined && p.nodePort !== 0 && !isValidPortNum(p.nodePort)) {
    errs.push(invalidValue(`${pp}.nodePort`, p.nodePort, PORT_RANGE));
  }
  return errs;
}

function validatePorts(spec: NonNullable<Service['spec']>): FieldError[] {
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && spec.type !== 'ExternalName' && !headless) return [required('spec.ports')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validatePort(p, i, ports.length > 1, names));
    const id = `${p.port}/${p.protocol}`;
    if (seen.has(id)) errs.push(duplicate(`spec.ports[${i}]`, { port: p.port, protocol: p.protocol }));
    seen.add(id);
  });
  return errs;
}

export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  if (!oneOf(TYPES, spec.type)) errs.push(notSupported('spec.type', spec.type, TYPES));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
  }
  const ip = spec.clusterIP;
  if (ip && ip !== 'None' && !isIPAddress(ip)) {
    errs.push(invalidValue('spec.clusterIP', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (ip === 'None' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    errs.push(invalidValue('spec.clusterIP', ip, `may not be set to 'None' for ${spec.type} services`));
  }
  if (spec.sessionAffinity && !oneOf(AFFINITIES, spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  }
  for (const f of ['internalTrafficPolicy', 'externalTrafficPolicy'] as const) {
    if (spec[f] && !oneOf(TRAFFIC_POLICIES, spec[f])) errs.push(notSupported(`spec.${f}`, spec[f], TRAFFIC_POLICIES));
  }
  errs.push(...validatePorts(spec));
  if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort) errs.push(forbidden(`spec.ports[${i}].nodePort`, `may not be used when \`type\` is '${spec.type}'`));
    });
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}

/** spec.clusterIP is immutable once set, except when the type changes to or from ExternalName. */
export function validateServiceUpdate(next: Service, prev: Service): FieldError[] {
  const errs = validateService(next);
  const oldIP = prev.spec?.clusterIP;
  const newIP = next.spec?.clusterIP;
  const external = next.spec?.type === 'ExternalName' || prev.spec?.type === 'ExternalName';
  if (!external && oldIP && newIP !== oldIP) errs.push(invalidValue('spec.clusterIP', newIP ?? '', 'field is immutable'));
  return errs;
}

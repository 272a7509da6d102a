/**
 * Service validation (ValidateService / ValidateServiceUpdate): types, ports (names unique and
 * required when several), session affinity, IP fields, external IPs, node ports, source ranges,
 * traffic policies. IP fields are in service-cluster-ips.ts.
 */
import type { Service, ServicePort } from '../types.js';
import { type FieldError, duplicate, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { isSupported } from './common.js';
import { IP_DETAIL, isIPAddress, parseAnyCidr } from './ip.js';
import { validateLabels } from './meta.js';
import { PORT_RANGE, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from './names.js';
import { validatePortNumOrName } from './pod-probe.js';
import { goServicePortKey } from './go-values.js';
import { validateLoadBalancerStatus } from './load-balancer-status.js';
import { validateClusterIPFields, validateClusterIPsUpdate, validateExternalNameIPFields } from './service-cluster-ips.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const MAX_AFFINITY_SECONDS = 86400;
const KUBELET_PORT = 10250;

type Spec = NonNullable<Service['spec']>;

function validatePort(p: ServicePort, path: string, requireName: boolean, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(required(`${path}.name`));
  else if (p.name) {
    errs.push(...isDNS1123Label(p.name).map((d) => invalidValue(`${path}.name`, p.name, d)));
    if (names.has(p.name)) errs.push(duplicate(`${path}.name`, p.name));
    else names.add(p.name);
  }
  if (!isValidPortNum(p.port)) errs.push(invalidValue(`${path}.port`, p.port ?? 0, PORT_RANGE));
  if (!p.protocol) errs.push(required(`${path}.protocol`));
  else if (!isSupported(PROTOCOLS, p.protocol)) errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(p.targetPort ?? 0, `${path}.targetPort`));
  if (p.appProtocol) errs.push(...isQualifiedName(p.appProtocol).map((d) => invalidValue(`${path}.appProtocol`, p.appProtocol, d)));
  return errs;
}

function validateTypeRules(spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.type === 'LoadBalancer') {
    (spec.ports ?? []).forEach((p, i) => {
      if (p.port === KUBELET_PORT) errs.push(invalidValue(`spec.ports[${i}]`, p.port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
    });
  }
  if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && spec.clusterIP === 'None') {
    errs.push(invalidValue('spec.clusterIP', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.type === 'ExternalName') {
    errs.push(...validateExternalNameIPFields(spec));
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (!cname) errs.push(required('spec.externalName'));
    else errs.push(...isDNS1123Subdomain(cname).map((d) => invalidValue('spec.externalName', cname, d)));
  }
  return errs;
}

function validateAffinity(spec: Spec): FieldError[] {
  const a = spec.sessionAffinity;
  if (!a) return [required('spec.sessionAffinity')];
  if (!isSupported(AFFINITIES, a)) return [notSupported('spec.sessionAffinity', a, AFFINITIES)];
  const cfg = spec.sessionAffinityConfig;
  if (a === 'None') return cfg ? [forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None')] : [];
  if (!cfg) return [required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP')];
  if (!cfg.clientIP) return [required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP')];
  const t = cfg.clientIP.timeoutSeconds;
  if (t === undefined) return [required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP')];
  return t > 0 && t <= MAX_AFFINITY_SECONDS
    ? []
    : [invalidValue('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`)];
}

function validatePortSets(spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  const nodePorts = new Set<string>();
  const ports = new Set<string>();
  (spec.ports ?? []).forEach((p, i) => {
    if (spec.type === 'ClusterIP' && p.nodePort) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    if (p.nodePort) {
      if (nodePorts.has(`${p.protocol}/${p.nodePort}`)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      nodePorts.add(`${p.protocol}/${p.nodePort}`);
    }
  });
  (spec.ports ?? []).forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (ports.has(key)) errs.push(duplicate(`spec.ports[${i}]`, goServicePortKey(p.protocol, p.port)));
    ports.add(key);
  });
  return errs;
}

function validateExternal(spec: Spec, annotations: Record<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIPAddress(ip)) errs.push(invalidValue(`spec.externalIPs[${i}]`, ip, IP_DETAIL));
  });
  const ranges = spec.loadBalancerSourceRanges ?? [];
  const annotation = annotations['service.beta.kubernetes.io/load-balancer-source-ranges'];
  if (ranges.length || annotation !== undefined) {
    // Upstream names the field with a capital L here.
    const path = ranges.length ? 'spec.LoadBalancerSourceRanges' : 'metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]';
    const list = ranges.length ? ranges : annotation.split(',');
    if (spec.type !== 'LoadBalancer') errs.push(forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    if (list.some((r) => !parseAnyCidr(r.trim()))) {
      errs.push(invalidValue(path, ranges.length ? `[${ranges.join(' ')}]` : annotation, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
    }
  }
  const externallyAccessible = spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible) {
    if (etp) errs.push(invalidValue('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(required('spec.externalTrafficPolicy'));
  else if (!isSupported(TRAFFIC_POLICIES, etp)) errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  return errs;
}

function validateInternalTrafficPolicy(spec: Spec): FieldError[] {
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined) return spec.type === 'ExternalName' ? [] : [required('spec.internalTrafficPolicy')];
  return isSupported(TRAFFIC_POLICIES, itp) ? [] : [notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES)];
}

export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const ports = spec.ports ?? [];
  if (ports.length === 0 && spec.clusterIP !== 'None' && spec.type !== 'ExternalName') errs.push(required('spec.ports'));
  errs.push(...validateTypeRules(spec));
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validatePort(p, `spec.ports[${i}]`, ports.length > 1, names)));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateAffinity(spec));
  errs.push(...validateClusterIPFields(svc));
  if (!spec.type) errs.push(required('spec.type'));
  else if (!isSupported(TYPES, spec.type)) errs.push(notSupported('spec.type', spec.type, TYPES));
  errs.push(...validatePortSets(spec));
  errs.push(...validateExternal(spec, svc.metadata?.annotations ?? {}));
  errs.push(...validateInternalTrafficPolicy(spec));
  return errs;
}

/** Allocated IPs stay; then the create rules, and the load balancer status a controller wrote. */
export function validateServiceUpdate(next: Service, prev: Service): FieldError[] {
  return [...validateClusterIPsUpdate(next, prev), ...validateService(next), ...validateLoadBalancerStatus(next.status?.loadBalancer, 'status.loadBalancer')];
}


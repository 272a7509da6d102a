/**
 * networking.k8s.io/v1 Ingress and IngressClass validation (ValidateIngressSpec,
 * ValidateIngressClass): rules and hosts (wildcards), paths and pathType, backends (service
 * name and exactly one of port number/name), TLS, the class's controller (required, immutable).
 */
import { isIP } from 'node:net';
import type { Ingress, IngressClass } from '../types.js';
import { type FieldError, forbidden, invalidValue, notSupported, required, tooLong } from './field-errors.js';
import { immutable } from './common.js';
import { validateLoadBalancerStatus } from './load-balancer-status.js';
import { HTTP_PATH_FMT, PORT_RANGE, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isHTTPPath, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain } from './names.js';

type Spec = NonNullable<Ingress['spec']>;
type Backend = NonNullable<Spec['defaultBackend']>;
type Path = NonNullable<NonNullable<NonNullable<Spec['rules']>[number]['http']>['paths']>[number];

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const BAD_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const BAD_SUFFIXES = ['/..', '/.'];

function validateBackend(b: Backend, path: string): FieldError[] {
  if (b.resource && b.service) return [invalidValue(path, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const errs: FieldError[] = [];
    if (!b.resource.kind) errs.push(required(`${path}.resource.kind`));
    if (!b.resource.name) errs.push(required(`${path}.resource.name`));
    return errs;
  }
  if (!b.service) return [invalidValue(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = b.service.name;
  if (!name) errs.push(required(`${path}.service.name`));
  else errs.push(...isDNS1035Label(name).map((d) => invalidValue(`${path}.service.name`, name, d)));
  const port = b.service.port ?? {};
  if (port.name && port.number) errs.push(invalidValue(path, '', 'cannot set both port name & port number'));
  else if (port.name) errs.push(...isValidPortName(port.name).map((d) => invalidValue(`${path}.service.port.name`, port.name, d)));
  else if (port.number) {
    if (!isValidPortNum(port.number)) errs.push(invalidValue(`${path}.service.port.number`, port.number, PORT_RANGE));
  } else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function validatePath(p: Path, path: string): FieldError[] {
  if (!p.pathType) return [required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const v = p.path ?? '';
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!v.startsWith('/')) errs.push(invalidValue(`${path}.path`, v, 'must be an absolute path'));
    for (const s of BAD_SEQUENCES) if (v.includes(s)) errs.push(invalidValue(`${path}.path`, v, `must not contain '${s}'`));
    for (const s of BAD_SUFFIXES) if (v.endsWith(s)) errs.push(invalidValue(`${path}.path`, v, `cannot end with '${s}'`));
  } else if (p.pathType === 'ImplementationSpecific') {
    if (v && !v.startsWith('/')) errs.push(invalidValue(`${path}.path`, v, 'must be an absolute path'));
  } else errs.push(notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  return [...errs, ...validateBackend(p.backend ?? {}, `${path}.backend`)];
}

function validateHost(host: string, path: string): FieldError[] {
  const errs = isIP(host) ? [invalidValue(path, host, 'must be a DNS name, not an IP address')] : [];
  const check = host.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
  return [...errs, ...check(host).map((d) => invalidValue(path, host, d))];
}

function validateRules(rules: NonNullable<Spec['rules']>): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const rp = `spec.rules[${i}]`;
    if (r.host) errs.push(...validateHost(r.host, `${rp}.host`));
    if (!r.http) return;
    if (!r.http.paths?.length) errs.push(required(`${rp}.http.paths`));
    (r.http.paths ?? []).forEach((p, j) => errs.push(...validatePath(p, `${rp}.http.paths[${j}]`)));
  });
  return errs;
}

function validateTLS(tls: NonNullable<Spec['tls']>): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    (t.hosts ?? []).forEach((h, j) => {
      const check = h.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      errs.push(...check(h).map((d) => invalidValue(`spec.tls[${i}].hosts[${j}]`, h, d)));
    });
    if (t.secretName) errs.push(...isDNS1123Subdomain(t.secretName).map((d) => invalidValue(`spec.tls[${i}].secretName`, t.secretName, d)));
  });
  return errs;
}

export function validateIngress(ing: Ingress): FieldError[] {
  const spec: Spec = ing.spec ?? {};
  const errs: FieldError[] = [];
  if (!spec.rules?.length && !spec.defaultBackend) errs.push(invalidValue('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  if (spec.rules?.length) errs.push(...validateRules(spec.rules));
  if (spec.tls?.length) errs.push(...validateTLS(spec.tls));
  const cls = spec.ingressClassName;
  if (cls !== undefined) errs.push(...isDNS1123Subdomain(cls).map((d) => invalidValue('spec.ingressClassName', cls, d)));
  return errs;
}

/** Updates (main resource and status): the spec rules and the load balancer status. */
export function validateIngressUpdate(next: Ingress): FieldError[] {
  return [...validateIngress(next), ...validateLoadBalancerStatus(next.status?.loadBalancer, 'status.loadBalancer')];
}

/** On create only: the legacy class annotation must agree with ingressClassName. */
export function validateIngressCreate(ing: Ingress): FieldError[] {
  const errs = validateIngress(ing);
  const annotation = ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  const cls = ing.spec?.ingressClassName;
  if (annotation !== undefined && cls !== undefined && annotation !== cls) {
    errs.push(invalidValue('annotations.kubernetes.io/ingress.class', annotation, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

/** IsDomainPrefixedPath: `example.com/ingress-controller`. */
function validateController(c: string | undefined): FieldError[] {
  const path = 'spec.controller';
  if (!c) return [required(path)];
  const errs: FieldError[] = c.length > 250 ? [tooLong(path, '', 250)] : [];
  const slash = c.indexOf('/');
  if (slash <= 0 || slash === c.length - 1) return [...errs, invalidValue(path, c, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = c.slice(0, slash);
  const rest = c.slice(slash + 1);
  errs.push(...isDNS1123Subdomain(host).map((d) => invalidValue(path, host, d)));
  if (!isHTTPPath(rest)) errs.push(invalidValue(path, rest, `Invalid path (regex used for validation is '${HTTP_PATH_FMT}')`));
  return errs;
}

function validateParameters(p: NonNullable<IngressClass['spec']>['parameters']): FieldError[] {
  if (!p) return [];
  const path = 'spec.parameters';
  const errs: FieldError[] = [];
  if (p.apiGroup) errs.push(...isDNS1123Subdomain(p.apiGroup).map((d) => invalidValue(`${path}.apiGroup`, p.apiGroup, d)));
  if (!p.kind) errs.push(required(`${path}.kind`));
  if (!p.name) errs.push(required(`${path}.name`));
  if (!p.scope) return [...errs, required(`${path}.scope`)];
  if (p.scope !== 'Namespace' && p.scope !== 'Cluster') return [...errs, notSupported(`${path}.scope`, p.scope, ['Cluster', 'Namespace'])];
  if (p.scope === 'Namespace') {
    if (!p.namespace) errs.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...isDNS1123Label(p.namespace).map((d) => invalidValue(`${path}.namespace`, p.namespace, d)));
  } else if (p.namespace) errs.push(forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

export function validateIngressClass(ic: IngressClass): FieldError[] {
  return [...validateController(ic.spec?.controller), ...validateParameters(ic.spec?.parameters)];
}

export function validateIngressClassUpdate(next: IngressClass, prev: IngressClass): FieldError[] {
  return [...immutable(next.spec?.controller, prev.spec?.controller, 'spec.controller'), ...validateIngressClass(next)];
}

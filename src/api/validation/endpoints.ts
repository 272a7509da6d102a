/** Endpoints (ValidateEndpoints) and EndpointSlice (discovery ValidateEndpointSlice) validation. */
import { isIP } from 'node:net';
import type { EndpointSlice, Endpoints } from '../types.js';
import { type FieldError, duplicate, invalidValue, notSupported, required, tooMany } from './field-errors.js';
import { immutable, isSupported } from './common.js';
import { IP_DETAIL, isIPAddress } from './ip.js';
import { PORT_RANGE, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from './names.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

/** ValidateNonSpecialIP: endpoints may not point at unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  if (!isIPAddress(ip)) return [invalidValue(path, ip, 'must be a valid IP address')];
  const v = ip.toLowerCase();
  if (v === '0.0.0.0' || v === '::') return [invalidValue(path, ip, `may not be unspecified (${ip})`)];
  if (/^127\./.test(v) || v === '::1') return [invalidValue(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (/^169\.254\./.test(v) || /^fe[89ab]/.test(v)) return [invalidValue(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (/^224\.0\.0\./.test(v) || /^ff02:/.test(v)) return [invalidValue(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}

function validateProtocol(protocol: string | undefined, path: string): FieldError[] {
  if (!protocol) return [required(path)];
  return isSupported(PROTOCOLS, protocol) ? [] : [notSupported(path, protocol, PROTOCOLS)];
}

function validateSubsetAddress(a: { ip: string; hostname?: string; nodeName?: string }, path: string): FieldError[] {
  const errs = isIPAddress(a.ip) ? [] : [invalidValue(`${path}.ip`, a.ip ?? '', IP_DETAIL)];
  if (a.hostname) errs.push(...isDNS1123Label(a.hostname).map((d) => invalidValue(`${path}.hostname`, a.hostname, d)));
  if (a.nodeName) errs.push(...isDNS1123Subdomain(a.nodeName).map((d) => invalidValue(`${path}.nodeName`, a.nodeName, d)));
  errs.push(...validateNonSpecialIP(a.ip ?? '', `${path}.ip`));
  return errs;
}

export function validateEndpoints(e: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (e.subsets ?? []).forEach((s, i) => {
    const sp = `subsets[${i}]`;
    if (!s.addresses?.length && !s.notReadyAddresses?.length) errs.push(required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    for (const f of ['addresses', 'notReadyAddresses'] as const) {
      (s[f] ?? []).forEach((a, j) => errs.push(...validateSubsetAddress(a, `${sp}.${f}[${j}]`)));
    }
    const ports = s.ports ?? [];
    ports.forEach((p, j) => {
      const pp = `${sp}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
      else if (p.name) errs.push(...isDNS1123Label(p.name).map((d) => invalidValue(`${pp}.name`, p.name, d)));
      if (!isValidPortNum(p.port)) errs.push(invalidValue(`${pp}.port`, p.port ?? 0, PORT_RANGE));
      errs.push(...validateProtocol(p.protocol, `${pp}.protocol`));
    });
  });
  return errs;
}

/** IsFullyQualifiedDomainName: a DNS subdomain of at least two labels. */
function validateFQDN(name: string, path: string): FieldError[] {
  const n = name.replace(/\.$/, '');
  const sub = isDNS1123Subdomain(n);
  if (sub.length) return [invalidValue(path, n, sub.join(','))];
  if (n.split('.').length < 2) return [invalidValue(path, n, 'should be a domain with at least two segments separated by dots')];
  return [];
}

function validateSliceAddress(type: string, a: string, path: string): FieldError[] {
  if (type === 'IPv4') return [...(isIP(a) === 4 ? [] : [invalidValue(path, a, 'must be a valid IPv4 address')]), ...validateNonSpecialIP(a, path)];
  if (type === 'IPv6') return [...(isIP(a) === 6 ? [] : [invalidValue(path, a, 'must be a valid IPv6 address')]), ...validateNonSpecialIP(a, path)];
  if (type === 'FQDN') return validateFQDN(a, path);
  return [];
}

function validateSlicePorts(ports: NonNullable<EndpointSlice['ports']>): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const name = p.name ?? '';
    if (name) errs.push(...isDNS1123Label(name).map((d) => invalidValue(`ports[${i}].name`, name, d)));
    if (names.has(name)) errs.push(duplicate(`ports[${i}].name`, name));
    names.add(name);
    if (p.port !== undefined && p.port !== null && !isValidPortNum(p.port)) errs.push(invalidValue(`ports[${i}].port`, p.port, PORT_RANGE));
    errs.push(...validateProtocol(p.protocol, `ports[${i}].protocol`));
    if (p.appProtocol) errs.push(...isQualifiedName(p.appProtocol).map((d) => invalidValue(`ports[${i}].appProtocol`, p.appProtocol, d)));
  });
  return errs;
}

export function validateEndpointSlice(s: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.addressType) errs.push(required('addressType'));
  else if (!isSupported(ADDRESS_TYPES, s.addressType)) errs.push(notSupported('addressType', s.addressType, ADDRESS_TYPES));
  const endpoints = s.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else {
    endpoints.forEach((ep, i) => {
      const path = `endpoints[${i}].addresses`;
      const addrs = ep.addresses ?? [];
      if (addrs.length === 0) errs.push(required(path, 'must contain at least 1 address'));
      else if (addrs.length > MAX_ADDRESSES) errs.push(tooMany(path, addrs.length, MAX_ADDRESSES));
      addrs.forEach((a, j) => errs.push(...validateSliceAddress(s.addressType, a, `${path}[${j}]`)));
      if (ep.hostname) errs.push(...isDNS1123Label(ep.hostname).map((d) => invalidValue(`endpoints[${i}].hostname`, ep.hostname, d)));
      if (ep.nodeName) errs.push(...isDNS1123Subdomain(ep.nodeName).map((d) => invalidValue(`endpoints[${i}].nodeName`, ep.nodeName, d)));
    });
  }
  errs.push(...validateSlicePorts(s.ports ?? []));
  return errs;
}

export function validateEndpointSliceUpdate(next: EndpointSlice, prev: EndpointSlice): FieldError[] {
  return [...validateEndpointSlice(next), ...immutable(next.addressType, prev.addressType, 'addressType')];
}

/** EndpointSlice and Endpoints validation: address types, addresses, ports. */
import type { EndpointSlice, Endpoints } from '../types.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { isIPAddress, isIPv4 } from './ip.js';
import { PORT_RANGE, isValidPortNum } from './names.js';
import { isIP } from 'node:net';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;

function validateSliceAddress(type: string, a: string, path: string): FieldError[] {
  if (type === 'IPv4' && !isIPv4(a)) return [invalidValue(path, a, 'must be a valid IPv4 address')];
  if (type === 'IPv6' && isIP(a) !== 6) return [invalidValue(path, a, 'must be a valid IPv6 address')];
  return [];
}

export function validateEndpointSlice(s: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(s.addressType as (typeof ADDRESS_TYPES)[number])) {
    errs.push(notSupported('addressType', s.addressType, ADDRESS_TYPES));
  }
  (s.endpoints ?? []).forEach((ep, i) => {
    const path = `endpoints[${i}].addresses`;
    if (!ep.addresses || ep.addresses.length === 0) errs.push(required(path, 'must contain at least 1 address'));
    else if (ep.addresses.length > 100) errs.push(invalidValue(path, ep.addresses.length, 'must have at most 100 addresses'));
    (ep.addresses ?? []).forEach((a, j) => errs.push(...validateSliceAddress(s.addressType, a, `${path}[${j}]`)));
  });
  (s.ports ?? []).forEach((p, i) => {
    if (p.port !== undefined && p.port !== null && !isValidPortNum(p.port)) {
      errs.push(invalidValue(`ports[${i}].port`, p.port, PORT_RANGE));
    }
  });
  return errs;
}

export function validateEndpoints(e: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (e.subsets ?? []).forEach((s, i) => {
    for (const f of ['addresses', 'notReadyAddresses'] as const) {
      (s[f] ?? []).forEach((a, j) => {
        if (!isIPAddress(a.ip)) errs.push(invalidValue(`subsets[${i}].${f}[${j}].ip`, a.ip, 'must be a valid IP address'));
      });
    }
    (s.ports ?? []).forEach((p, j) => {
      if (!isValidPortNum(p.port)) errs.push(invalidValue(`subsets[${i}].ports[${j}].port`, p.port, PORT_RANGE));
    });
  });
  return errs;
}

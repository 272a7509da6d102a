/**
 * A Service's IP fields (validateServiceClusterIPsRelatedFields, validateUpgradeDowngradeClusterIPs):
 * clusterIP and clusterIPs agree, IPs are valid, families and family policy are known, and an
 * update may not move an allocated IP.
 */
import type { Service } from '../types.js';
import { type FieldError, duplicate, forbidden, invalidValue, notSupported, required } from './field-errors.js';
import { isSupported } from './common.js';
import { IP_DETAIL, isIPAddress } from './ip.js';
import { isIP } from 'node:net';

const FAMILIES = ['IPv4', 'IPv6'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];

function validateFamilies(spec: NonNullable<Service['spec']>): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (!isSupported(FAMILIES, f)) errs.push(notSupported(`spec.ipFamilies[${i}]`, f, FAMILIES));
    if (seen.has(f)) errs.push(duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && !isSupported(FAMILY_POLICIES, policy)) errs.push(notSupported('spec.ipFamilyPolicy', policy, FAMILY_POLICIES));
  return errs;
}

function validateClusterIPList(spec: NonNullable<Service['spec']>): { errs: FieldError[]; bad: boolean } {
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  let bad = false;
  ips.forEach((ip, i) => {
    if (ip === 'None') {
      if (i !== 0 || ips.length > 1) errs.push(invalidValue(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
    } else if (!isIPAddress(ip)) {
      bad = true;
      errs.push(invalidValue(`spec.clusterIPs[${i}]`, ip, IP_DETAIL));
    }
  });
  if (ips.length > 2) errs.push(invalidValue('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  return { errs, bad };
}

export function validateClusterIPFields(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(invalidValue('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) errs.push(invalidValue('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  errs.push(...validateFamilies(spec));
  const list = validateClusterIPList(spec);
  errs.push(...list.errs);
  if (list.bad) return errs;
  if (ips.length > 1 && isIP(ips[0]) === isIP(ips[1])) errs.push(invalidValue('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  if (spec.clusterIP !== 'None') {
    ips.forEach((ip, i) => {
      const fam = spec.ipFamilies?.[i];
      const want = fam === 'IPv4' ? 4 : fam === 'IPv6' ? 6 : 0;
      if (want && isIP(ip) !== want) errs.push(invalidValue(`spec.clusterIPs[${i}]`, ip, `expected an ${fam} value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** ExternalName Services carry no IP fields. */
export function validateExternalNameIPFields(spec: NonNullable<Service['spec']>): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.clusterIP || (spec.clusterIPs ?? []).length) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
  if ((spec.ipFamilies ?? []).length) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
  if (spec.ipFamilyPolicy) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
  return errs;
}

/** Allocated IPs may not change (but may be added or removed) unless the type moves to or from ExternalName. */
export function validateClusterIPsUpdate(next: Service, prev: Service): FieldError[] {
  const a = next.spec ?? {};
  const b = prev.spec ?? {};
  if (a.type === 'ExternalName' || b.type === 'ExternalName') return [];
  if (a.clusterIP === 'None' && b.clusterIP === 'None') return [];
  const oldIPs = b.clusterIPs ?? [];
  const newIPs = a.clusterIPs ?? [];
  if (oldIPs.length > 0 && newIPs.length === 0) return [invalidValue('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset')];
  const errs: FieldError[] = [];
  const n = Math.min(oldIPs.length, newIPs.length);
  for (let i = 0; i < (oldIPs.length === newIPs.length ? n : Math.min(n, 1)); i++) {
    if (oldIPs[i] !== newIPs[i]) errs.push(invalidValue(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'));
  }
  // The singular field has kept its own immutability message (the kube-apiserver of 1.19 and before).
  if (b.clusterIP && a.clusterIP !== b.clusterIP) errs.push(invalidValue('spec.clusterIP', a.clusterIP ?? '', 'field is immutable'));
  return errs;
}

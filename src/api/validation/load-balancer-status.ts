/** ValidateLoadBalancerStatus: what a load balancer controller may write into a Service's or Ingress's status. */
import { type FieldError, forbidden, invalidValue, notSupported } from './field-errors.js';
import { IP_DETAIL, isIPAddress } from './ip.js';
import { isDNS1123Subdomain } from './names.js';

interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
}

const IP_MODES = ['Proxy', 'VIP'];

export function validateLoadBalancerStatus(status: { ingress?: LoadBalancerIngress[] } | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (status?.ingress ?? []).forEach((ing, i) => {
    const p = `${path}.ingress[${i}]`;
    if (ing.ip && !isIPAddress(ing.ip)) errs.push(invalidValue(`${p}.ip`, ing.ip, IP_DETAIL));
    // ipMode is defaulted to VIP wherever ip is set, so only these two can go wrong.
    if (ing.ipMode !== undefined && !ing.ip) errs.push(forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
    else if (ing.ipMode !== undefined && !IP_MODES.includes(ing.ipMode)) errs.push(notSupported(`${p}.ipMode`, ing.ipMode, IP_MODES));
    if (ing.hostname) {
      errs.push(...isDNS1123Subdomain(ing.hostname).map((d) => invalidValue(`${p}.hostname`, ing.hostname, d)));
      if (isIPAddress(ing.hostname)) errs.push(invalidValue(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

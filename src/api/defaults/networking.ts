/** networking.k8s.io/v1 defaulting: NetworkPolicy policyTypes and port protocol, IngressClass parameters scope. */
import type { IngressClass, NetworkPolicy } from '../types.js';

export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = (np.spec ??= { podSelector: {} });
  // Any policy implies Ingress; one with egress rules also Egress.
  if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const p of rule.ports ?? []) p.protocol ??= 'TCP';
}

export function defaultIngressClass(ic: IngressClass): void {
  const params = ic.spec?.parameters;
  if (params) params.scope ??= 'Cluster';
}

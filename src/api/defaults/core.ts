/**
 * core/v1 defaulting and conversion effects for Secrets (type Opaque; stringData merged into data),
 * Nodes (podCIDR and podCIDRs kept in step, as the v1 conversion does), Endpoints and
 * EndpointSlice ports (protocol TCP).
 */
import type { EndpointSlice, Endpoints, Node, Secret } from '../types.js';

export function defaultSecret(s: Secret): void {
  s.type ||= 'Opaque'; // an empty type too (SetDefaults_Secret)
  if (s.stringData) {
    const data = (s.data ??= {});
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete s.stringData;
  }
}

export function defaultNode(n: Node): void {
  const spec = n.spec;
  if (!spec) return;
  if (spec.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
  else if (!spec.podCIDR && spec.podCIDRs?.length) spec.podCIDR = spec.podCIDRs[0];
}

export function defaultEndpoints(e: Endpoints): void {
  for (const s of e.subsets ?? []) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
}

export function defaultEndpointSlice(s: EndpointSlice): void {
  for (const p of s.ports ?? []) {
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

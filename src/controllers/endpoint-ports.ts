/**
 * Which pods back a Service and on which ports, pure: the part the EndpointSlice and Endpoints
 * controllers share (upstream's podutil.FindPort and endpointutil.ShouldPodBeInEndpoints).
 */
import type { Pod, Service, ServicePort } from '../api/types.js';

export interface ResolvedPort {
  name: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

/**
 * The container port a service port targets on this pod: a number as is, a name looked up in
 * the pod's containers (same protocol), undefined when the pod has no such named port.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** Each service port this pod can serve, in service port order. */
export function resolvePorts(svc: Service, pod: Pod): ResolvedPort[] {
  const out: ResolvedPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const rp: ResolvedPort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port };
    if (sp.appProtocol) rp.appProtocol = sp.appProtocol;
    out.push(rp);
  }
  return out;
}

/** A key equal for equal port sets, whatever their order. */
export function portSetKey(ports: ResolvedPort[]): string {
  return JSON.stringify([...ports].map((p) => [p.name, p.protocol, p.port, p.appProtocol ?? '']).sort());
}

/** A pod that ran to completion never serves again (restartPolicy Never/OnFailure). */
export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** `a.b.c.d` before `a.b.c.e`, numerically; other strings lexically. */
export function compareIps(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4) for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pod hostname for DNS: set only when spec.hostname is set and spec.subdomain names the service. */
export function endpointHostname(svc: Service, pod: Pod): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name ? h : undefined;
}

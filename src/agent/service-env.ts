/**
 * The service environment variables kubelet injects (docker-links style): for every Service of
 * the pod's namespace (when enableServiceLinks) and for the `kubernetes` Service of `default`,
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT[_<PORT>]` and `<NAME>_PORT_<port>_<PROTO>...`.
 */
import type { Pod, Service } from '../api/types.js';

const MASTER_SERVICE = 'kubernetes';

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** The env vars of one Service, in kubelet's order. */
export function serviceEnvVars(svc: Service): [string, string][] {
  const ip = svc.spec?.clusterIP ?? '';
  const name = envName(svc.metadata?.name ?? '');
  const ports = svc.spec?.ports ?? [];
  const out: [string, string][] = [[`${name}_SERVICE_HOST`, ip]];
  if (ports.length === 0) return out;
  out.push([`${name}_SERVICE_PORT`, String(ports[0].port)]);
  for (const p of ports) if (p.name) out.push([`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const url = (proto: string, port: number) => `${proto.toLowerCase()}://${host}:${port}`;
  out.push([`${name}_PORT`, url(ports[0].protocol ?? 'TCP', ports[0].port)]);
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const prefix = `${name}_PORT_${p.port}_${proto}`;
    out.push([prefix, url(proto, p.port)]);
    out.push([`${prefix}_PROTO`, proto.toLowerCase()]);
    out.push([`${prefix}_PORT`, String(p.port)]);
    out.push([`${prefix}_ADDR`, ip]);
  }
  return out;
}

/**
 * The service env vars for `pod`, given every Service the agent knows. The `kubernetes`
 * Service of `default` is always included unless the pod's namespace has its own.
 */
export function podServiceEnv(pod: Pod, services: Iterable<Service>): [string, string][] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = svc.metadata?.name ?? '';
    if (svc.metadata?.namespace === ns && links) chosen.set(name, svc);
    else if (svc.metadata?.namespace === 'default' && name === MASTER_SERVICE && !chosen.has(name)) chosen.set(name, svc);
  }
  return [...chosen.keys()].sort().flatMap((n) => serviceEnvVars(chosen.get(n)!));
}

/** The `kubernetes` Service as the agent assumes it when the API has none yet. */
export function defaultMasterService(host: string, port: number): Service {
  return {
    metadata: { name: MASTER_SERVICE, namespace: 'default' },
    spec: { clusterIP: host, ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
}

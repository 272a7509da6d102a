/** Builders for Services and EndpointSlices with tweaks (as kube-proxy's tests make them). */
import type { EndpointSlice, Service } from '../../../src/api/types.js';

export function makeService(ns: string, name: string, ...tweaks: ((s: Service) => void)[]): Service {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ports: [] } };
  for (const t of tweaks) t(svc);
  return svc;
}

export const clusterIP = (ip: string) => (s: Service) => { s.spec!.clusterIP = ip; };
export const port = (p: number, portName?: string, protocol: 'TCP' | 'UDP' = 'TCP') => (s: Service) => {
  s.spec!.ports!.push({ port: p, name: portName, protocol });
};

export function makeSlice(
  ns: string, svcName: string, ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[],
  endpoints: { ip: string; node?: string; ready?: boolean; serving?: boolean; terminating?: boolean }[],
  sliceName = `${svcName}-abcde`,
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: sliceName, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node,
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
    })),
  };
}

/** Removes common indentation and blank lines, as knftables tests do with dedent. */
export function dedent(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const indent = Math.min(...lines.map((l) => l.match(/^\s*/)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

/**
 * The legacy Endpoints subsets of a Service, pure, as upstream's endpoints controller: ready
 * pods in `addresses`, others in `notReadyAddresses` (all in `addresses` with
 * publishNotReadyAddresses), subsets grouped by resolved port set (RepackSubsets).
 */
import type { EndpointAddress, EndpointSubset, Pod, Service } from '../api/types.js';
import { isTerminating } from './owners.js';
import { isPodReady } from './pod-status.js';
import { compareIps, endpointHostname, isPodTerminal, portSetKey, resolvePorts, type ResolvedPort } from './endpoint-ports.js';

function address(svc: Service, pod: Pod): EndpointAddress {
  const a: EndpointAddress = { ip: pod.status?.podIP ?? '' };
  const hostname = endpointHostname(svc, pod);
  if (hostname) a.hostname = hostname;
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
  };
  return a;
}

const byIp = (a: EndpointAddress, b: EndpointAddress): number => compareIps(a.ip, b.ip);

export function desiredSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: ResolvedPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  const servicePorts = svc.spec?.ports ?? [];
  for (const pod of pods) {
    if (!pod.status?.podIP || isPodTerminal(pod) || (isTerminating(pod) && !tolerateUnready)) continue;
    const ports = resolvePorts(svc, pod);
    // A pod serving none of the service's ports is left out, unless the service has no ports.
    if (ports.length === 0 && servicePorts.length > 0) continue;
    const key = portSetKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    (tolerateUnready || isPodReady(pod) ? g.ready : g.notReady).push(address(svc, pod));
  }
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length) s.addresses = g.ready.sort(byIp);
      if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIp);
      if (g.ports.length) s.ports = g.ports.map((p) => (p.name ? { ...p } : { port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
      return s;
    });
}

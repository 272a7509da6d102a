/**
 * The desired EndpointSlices of a Service, pure: one endpoint per serving pod, grouped by the
 * pod's resolved port set (a named targetPort can map to different numbers on different pods),
 * at most 100 endpoints per slice, as upstream's endpointslice reconciler.
 */
import type { Pod, Service, SliceEndpoint, SlicePort } from '../api/types.js';
import { isTerminating } from './owners.js';
import { isPodReady } from './pod-status.js';
import { compareIps, endpointHostname, isPodTerminal, portSetKey, resolvePorts, type ResolvedPort } from './endpoint-ports.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface DesiredSlice {
  /** portSetKey of `ports`. */
  key: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

/** A node's `topology.kubernetes.io/zone`, by node name. */
export type ZoneOf = (nodeName: string) => string | undefined;

/** The endpoint for a pod, or undefined when it has no IP or has finished. */
export function podToEndpoint(svc: Service, pod: Pod, zoneOf: ZoneOf = () => undefined): SliceEndpoint | undefined {
  const ip = pod.status?.podIP;
  if (!ip || isPodTerminal(pod)) return undefined;
  const ready = isPodReady(pod);
  const terminating = isTerminating(pod);
  const ep: SliceEndpoint = {
    addresses: [ip],
    conditions: {
      ready: svc.spec?.publishNotReadyAddresses === true || (ready && !terminating),
      serving: ready,
      terminating,
    },
  };
  const hostname = endpointHostname(svc, pod);
  if (hostname) ep.hostname = hostname;
  if (pod.spec?.nodeName) {
    ep.nodeName = pod.spec.nodeName;
    const zone = zoneOf(pod.spec.nodeName);
    if (zone) ep.zone = zone;
  }
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
  return ep;
}

const toSlicePort = (p: ResolvedPort): SlicePort => ({ ...p });

/** Desired slices for `svc` over the pods its selector matched, ordered by key then chunk. */
export function desiredSlices(svc: Service, pods: Pod[], zoneOf?: ZoneOf): DesiredSlice[] {
  const groups = new Map<string, { ports: ResolvedPort[]; endpoints: SliceEndpoint[] }>();
  for (const pod of pods) {
    const ep = podToEndpoint(svc, pod, zoneOf);
    if (!ep) continue;
    const ports = resolvePorts(svc, pod);
    const key = portSetKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(ep);
  }
  const out: DesiredSlice[] = [];
  for (const [key, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    g.endpoints.sort((a, b) => compareIps(a.addresses[0], b.addresses[0]));
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({ key, ports: g.ports.map(toSlicePort), endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
    }
  }
  return out;
}

/**
 * The EndpointSliceMirroring controller: a Service without a selector gets its endpoints from an
 * `Endpoints` object someone wrote by hand; this mirrors that object into EndpointSlices (owned
 * by the Endpoints), so consumers that read only slices (the service proxy, DNS) see it too.
 * Endpoints labelled `endpointslice.kubernetes.io/skip-mirror=true` are left alone, as upstream.
 */
import type { EndpointAddress, EndpointSlice, Endpoints, Service, SliceEndpoint } from '../api/types.js';
import type { Client } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { compareIps, portSetKey, type ResolvedPort } from './endpoint-ports.js';
import { type DesiredSlice, MAX_ENDPOINTS_PER_SLICE } from './endpointslice-compute.js';
import { managedSlices, SERVICE_NAME_LABEL, MANAGED_BY_LABEL } from './endpointslice-controller.js';
import { controllerRef, isTerminating } from './owners.js';
import { SliceWriter } from './slice-writer.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** Upstream mirrors at most this many addresses per Endpoints subset. */
export const MAX_MIRRORED_PER_SUBSET = 1000;

function toEndpoint(a: EndpointAddress, ready: boolean): SliceEndpoint {
  const ep: SliceEndpoint = { addresses: [a.ip], conditions: { ready } };
  if (a.hostname) ep.hostname = a.hostname;
  if (a.nodeName) ep.nodeName = a.nodeName;
  if (a.targetRef) ep.targetRef = { ...a.targetRef };
  return ep;
}

/** Desired slices for an Endpoints object: each subset's ports, ready and not-ready addresses. */
export function mirroredSlices(ep: Endpoints): DesiredSlice[] {
  const groups = new Map<string, { ports: ResolvedPort[]; endpoints: SliceEndpoint[] }>();
  for (const subset of ep.subsets ?? []) {
    const ports: ResolvedPort[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const key = portSetKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    const addrs = [...(subset.addresses ?? []).map((a) => toEndpoint(a, true)), ...(subset.notReadyAddresses ?? []).map((a) => toEndpoint(a, false))];
    g.endpoints.push(...addrs.filter((e) => !e.addresses[0].includes(':')).slice(0, MAX_MIRRORED_PER_SUBSET));
  }
  const out: DesiredSlice[] = [];
  for (const [key, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    g.endpoints.sort((a, b) => compareIps(a.addresses[0], b.addresses[0]));
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({ key, ports: g.ports.map((p) => ({ ...p })), endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
    }
  }
  return out;
}

/** The Endpoints' annotations a mirrored slice carries: all but these (as upstream). */
const NOT_MIRRORED = new Set(['kubectl.kubernetes.io/last-applied-configuration', 'endpoints.kubernetes.io/last-change-trigger-time']);

function mirroredAnnotations(ep: Endpoints): Record<string, string> {
  return Object.fromEntries(Object.entries(ep.metadata?.annotations ?? {}).filter(([k]) => !NOT_MIRRORED.has(k)));
}

/** Mirrored when its Service exists without a selector and nothing asked to skip it. */
function shouldMirror(ep: Endpoints, svc: Service | undefined): boolean {
  if (!svc || Object.keys(svc.spec?.selector ?? {}).length > 0) return false;
  return ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
}

export class EndpointSliceMirroringController extends BaseController {
  private readonly writer: SliceWriter;

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'endpointslicemirroring-controller', ['services', 'endpoints', 'endpointslices'], opts);
    this.writer = new SliceWriter(client, this.informers.get<EndpointSlice>('endpointslices'));
  }

  protected async sync(): Promise<void> {
    const services = this.informers.get<Service>('services');
    const slices = this.informers.get<EndpointSlice>('endpointslices').list();
    const endpoints = this.informers.get<Endpoints>('endpoints').list();
    await this.forEach(endpoints, (ep) => this.syncEndpoints(ep, services.get(`${ep.metadata?.namespace}/${ep.metadata?.name}`), slices));
    // Mirrored slices whose Endpoints is gone are collected by the garbage collector (owner ref).
  }

  private async syncEndpoints(ep: Endpoints, svc: Service | undefined, all: EndpointSlice[]): Promise<void> {
    const m = ep.metadata ?? {};
    const labels: Record<string, string> = { ...(m.labels ?? {}) };
    labels[SERVICE_NAME_LABEL] = m.name ?? '';
    labels[MANAGED_BY_LABEL] = MIRRORING_CONTROLLER_NAME;
    const target = {
      ownerKey: `${m.namespace}/${m.name}`,
      namespace: m.namespace ?? '',
      generateName: `${m.name}-`,
      labels,
      annotations: mirroredAnnotations(ep),
      ownerRef: controllerRef(ep, 'v1', 'Endpoints'),
    };
    if (!this.writer.ready(target)) return;
    const existing = managedSlices(all, target.namespace, m.name ?? '', MIRRORING_CONTROLLER_NAME);
    if (!shouldMirror(ep, svc)) return this.writer.deleteAll(target.ownerKey, existing);
    await this.writer.reconcile(target, existing, mirroredSlices(ep), !isTerminating(ep));
  }
}

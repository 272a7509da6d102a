/**
 * The EndpointSlice controller: for each Service with a selector, keeps the slices labelled
 * `kubernetes.io/service-name=<svc>` and managed by us equal to desiredSlices(), writing only
 * the slices whose content changed. Like upstream's EndpointSliceTracker, it waits for its own
 * writes to reach the cache before touching a Service again, so it never creates twice.
 */
import type { EndpointSlice, KubeObject, Node, Pod, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { desiredSlices } from './endpointslice-compute.js';
import { mapSelectorMatches } from './labels.js';
import { controllerRef, isTerminating } from './owners.js';
import { portSetKey } from './endpoint-ports.js';
import { SliceWriter } from './slice-writer.js';
import { LAST_CHANGE_TRIGGER_TIME, lastChangeTriggerTime } from './trigger-time.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Services whose endpoints a controller computes: a selector, and not ExternalName. */
export function hasSelector(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/** Pods of the service's namespace that its selector matches. */
export function selectedPods(svc: Service, pods: Pod[]): Pod[] {
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && mapSelectorMatches(svc.spec?.selector, p.metadata?.labels));
}

export class EndpointSliceController extends BaseController {
  private readonly writer: SliceWriter;

  constructor(client: Client, opts: ControllerOptions = {}) {
    // Nodes: an endpoint's zone is its node's topology.kubernetes.io/zone label.
    super(client, 'endpointslice-controller', ['services', 'pods', 'endpointslices', 'nodes'], opts);
    this.writer = new SliceWriter(client, this.informers.get<EndpointSlice>('endpointslices'));
  }

  /** Of a node, only its zone label matters here (not its heartbeats). */
  protected override relevantUpdate(plural: string, o: KubeObject, n: KubeObject): boolean {
    return plural !== 'nodes' || o.metadata?.labels?.[ZONE_LABEL] !== n.metadata?.labels?.[ZONE_LABEL];
  }

  protected async sync(): Promise<void> {
    const services = this.informers.get<Service>('services').list().filter(hasSelector);
    const pods = this.informers.get<Pod>('pods').list();
    const slices = this.informers.get<EndpointSlice>('endpointslices').list();
    await this.forEach(services, (svc) => this.syncService(svc, pods, slices));
  }

  private async syncService(svc: Service, pods: Pod[], all: EndpointSlice[]): Promise<void> {
    const ns = svc.metadata?.namespace ?? '';
    const selected = selectedPods(svc, pods);
    const existing = managedSlices(all, ns, svc.metadata?.name ?? '', CONTROLLER_NAME);
    const stamps = existing.map((s) => s.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME]).filter((t): t is string => Boolean(t));
    const previous = stamps.sort((a, b) => Date.parse(a) - Date.parse(b)).pop();
    const target = {
      ownerKey: `${ns}/${svc.metadata?.name}`,
      namespace: ns,
      generateName: `${svc.metadata?.name}-`,
      labels: sliceLabels(svc),
      annotations: { [LAST_CHANGE_TRIGGER_TIME]: lastChangeTriggerTime(svc, selected, previous) },
      ownerRef: controllerRef(svc, 'v1', 'Service'),
    };
    if (!this.writer.ready(target)) return;
    const nodes = this.informers.get<Node>('nodes');
    let desired = desiredSlices(svc, selected, (name) => nodes.get(name)?.metadata?.labels?.[ZONE_LABEL]);
    // Upstream keeps one empty placeholder slice for a service without endpoints.
    if (desired.length === 0) desired = [{ key: portSetKey([]), ports: [], endpoints: [] }];
    await this.writer.reconcile(target, existing, desired, !isTerminating(svc));
  }
}

/** The slices of a service that a given controller manages. */
export function managedSlices(all: EndpointSlice[], ns: string, service: string, managedBy: string): EndpointSlice[] {
  return all.filter(
    (s) => s.metadata?.namespace === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === service && s.metadata?.labels?.[MANAGED_BY_LABEL] === managedBy,
  );
}

/** Service labels plus ours, as upstream's getEndpointSliceLabels. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

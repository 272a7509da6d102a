/**
 * The EndpointSlice controller: for each Service with a selector, keeps the slices labelled
 * `kubernetes.io/service-name=<svc>` and managed by us equal to desiredSlices(), writing only
 * the slices whose content changed. Like upstream's EndpointSliceTracker, it waits for its own
 * writes to reach the cache before touching a Service again, so it never creates twice.
 */
import type { EndpointSlice, Pod, Service } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { canonicalJson } from './pod-template-hash.js';
import { type DesiredSlice, desiredSlices } from './endpointslice-compute.js';
import { Expectations } from './expectations.js';
import { mapSelectorMatches } from './labels.js';
import { controllerRef } from './owners.js';
import { portSetKey, type ResolvedPort } from './endpoint-ports.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** Services whose endpoints a controller computes: a selector, and not ExternalName. */
export function hasSelector(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/** Pods of the service's namespace that its selector matches. */
export function selectedPods(svc: Service, pods: Pod[]): Pod[] {
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && mapSelectorMatches(svc.spec?.selector, p.metadata?.labels));
}

export class EndpointSliceController extends BaseController {
  private readonly tracker = new Expectations(10_000);

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'endpointslice-controller', ['services', 'pods', 'endpointslices'], opts);
  }

  protected async sync(): Promise<void> {
    const services = this.informers.get<Service>('services').list().filter(hasSelector);
    const pods = this.informers.get<Pod>('pods').list();
    const slices = this.informers.get<EndpointSlice>('endpointslices').list();
    await this.forEach(services, (svc) => this.syncService(svc, pods, slices));
  }

  private async syncService(svc: Service, pods: Pod[], all: EndpointSlice[]): Promise<void> {
    const ns = svc.metadata?.namespace ?? '';
    const svcKey = `${ns}/${svc.metadata?.name}`;
    const cache = this.informers.get<EndpointSlice>('endpointslices');
    if (!this.tracker.satisfied(svcKey, (name) => cache.get(`${ns}/${name}`) !== undefined)) return;
    const existing = all.filter(
      (s) => s.metadata?.namespace === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === svc.metadata?.name &&
        s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME,
    );
    let desired = desiredSlices(svc, selectedPods(svc, pods));
    // Upstream keeps one empty placeholder slice for a service without endpoints.
    if (desired.length === 0) desired = [{ key: portSetKey([]), ports: [], endpoints: [] }];
    const byKey = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      const k = portSetKey((s.ports ?? []) as ResolvedPort[]);
      byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    for (const want of desired) {
      const have = byKey.get(want.key)?.shift();
      if (!have) await this.createSlice(svcKey, svc, want);
      else if (!sliceEquals(have, svc, want)) await this.updateSlice(have, svc, want);
    }
    for (const extra of [...byKey.values()].flat()) await this.deleteSlice(svcKey, extra);
  }

  private async createSlice(svcKey: string, svc: Service, want: DesiredSlice): Promise<void> {
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: `${svc.metadata?.name}-`,
        namespace: svc.metadata?.namespace,
        labels: sliceLabels(svc),
        ownerReferences: [controllerRef(svc, 'v1', 'Service')],
      },
      addressType: 'IPv4',
      endpoints: want.endpoints,
      ports: want.ports,
    };
    const created = await this.client.create<EndpointSlice>('endpointslices', svc.metadata?.namespace, slice);
    this.tracker.expectCreate(svcKey, created.metadata?.name ?? '');
  }

  private async updateSlice(have: EndpointSlice, svc: Service, want: DesiredSlice): Promise<void> {
    const labels = { ...(have.metadata?.labels ?? {}), ...sliceLabels(svc) };
    await this.client.update('endpointslices', { ...have, metadata: { ...have.metadata, labels }, endpoints: want.endpoints, ports: want.ports });
  }

  private async deleteSlice(svcKey: string, slice: EndpointSlice): Promise<void> {
    const m = slice.metadata ?? {};
    this.tracker.expectDelete(svcKey, m.name ?? '');
    try {
      await this.client.delete('endpointslices', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
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

function sliceEquals(have: EndpointSlice, svc: Service, want: DesiredSlice): boolean {
  const labels = sliceLabels(svc);
  const labelsOk = Object.entries(labels).every(([k, v]) => have.metadata?.labels?.[k] === v);
  return labelsOk && canonicalJson(have.endpoints ?? []) === canonicalJson(want.endpoints) &&
    canonicalJson(have.ports ?? []) === canonicalJson(want.ports);
}

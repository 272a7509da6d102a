/**
 * The Endpoints controller: keeps the legacy `Endpoints` object named like each Service with a
 * selector in step with its pods, and removes the ones it made once their Service is gone.
 * Selector-less services keep the Endpoints their owner wrote.
 */
import type { EndpointSubset, Endpoints, Pod, Service } from '../api/types.js';
import { type Client, isAlreadyExists, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { OVER_CAPACITY, truncateSubsets } from './endpoints-capacity.js';
import { desiredSubsets } from './endpoints-compute.js';
import { hasSelector, HEADLESS_LABEL, selectedPods } from './endpointslice-controller.js';
import { SKIP_MIRROR_LABEL } from './endpointslice-mirroring.js';
import { canonicalJson } from './pod-template-hash.js';
import { LAST_CHANGE_TRIGGER_TIME, lastChangeTriggerTime } from './trigger-time.js';

export { LAST_CHANGE_TRIGGER_TIME } from './trigger-time.js';

export class EndpointsController extends BaseController {
  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'endpoints-controller', ['services', 'pods', 'endpoints'], opts);
  }

  protected async sync(): Promise<void> {
    const services = this.informers.get<Service>('services').list();
    const pods = this.informers.get<Pod>('pods').list();
    await this.forEach(services.filter(hasSelector), (svc) => this.syncService(svc, pods));
    const names = new Set(services.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`));
    const leftovers = this.informers
      .get<Endpoints>('endpoints')
      .list()
      .filter((ep) => ep.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME] && !names.has(`${ep.metadata?.namespace}/${ep.metadata?.name}`));
    await this.forEach(leftovers, (ep) => this.deleteEndpoints(ep));
  }

  private async syncService(svc: Service, pods: Pod[]): Promise<void> {
    const m = svc.metadata ?? {};
    const selected = selectedPods(svc, pods);
    const { subsets, truncated } = truncateSubsets(desiredSubsets(svc, selected));
    // Ours, so the mirroring controller leaves it alone (upstream sets the same label).
    const labels: Record<string, string> = { ...(m.labels ?? {}), [SKIP_MIRROR_LABEL]: 'true' };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    const have = this.informers.get<Endpoints>('endpoints').get(`${m.namespace}/${m.name}`);
    if (have && unchanged(have, subsets, labels, truncated)) return;
    const previous = have?.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME];
    const annotations: Record<string, string> = { ...(have?.metadata?.annotations ?? {}), [LAST_CHANGE_TRIGGER_TIME]: lastChangeTriggerTime(svc, selected, previous) };
    if (truncated) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];
    if (have) {
      await this.client.update('endpoints', { ...have, metadata: { ...have.metadata, labels, annotations }, subsets });
      return;
    }
    const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: m.name, namespace: m.namespace, labels, annotations }, subsets };
    try {
      await this.client.create('endpoints', m.namespace, ep);
    } catch (e) {
      // Our cache is behind: the watch event will bring the object and another sync.
      if (!isAlreadyExists(e)) throw e;
    }
  }

  private async deleteEndpoints(ep: Endpoints): Promise<void> {
    const m = ep.metadata ?? {};
    try {
      await this.client.delete('endpoints', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

function unchanged(have: Endpoints, subsets: EndpointSubset[], labels: Record<string, string>, truncated: boolean): boolean {
  return canonicalJson(have.subsets ?? []) === canonicalJson(subsets) &&
    canonicalJson(have.metadata?.labels ?? {}) === canonicalJson(labels) &&
    (have.metadata?.annotations?.[OVER_CAPACITY] === 'truncated') === truncated;
}

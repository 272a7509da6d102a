/**
 * Writes a set of EndpointSlices toward the desired ones with the fewest API calls, as upstream's
 * endpointslice reconciler: existing slices are matched to desired ones by port set, updated only
 * when their content or labels differ, missing ones created (generateName), extra ones deleted.
 * Its tracker holds an owner back until the cache has seen our own creates and deletes.
 */
import type { EndpointSlice, OwnerReference } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { portSetKey, type ResolvedPort } from './endpoint-ports.js';
import type { DesiredSlice } from './endpointslice-compute.js';
import { Expectations } from './expectations.js';
import { canonicalJson } from './pod-template-hash.js';
import { LAST_CHANGE_TRIGGER_TIME } from './trigger-time.js';

export interface SliceTarget {
  /** `namespace/name` of the owner, the tracker's key. */
  ownerKey: string;
  namespace: string;
  generateName: string;
  labels: Record<string, string>;
  /** Set on the slices this writes (created or updated); not compared. */
  annotations?: Record<string, string>;
  ownerRef: OwnerReference;
}

export class SliceWriter {
  private readonly tracker = new Expectations(10_000);

  constructor(
    private readonly client: Client,
    private readonly cache: Informer<EndpointSlice>,
  ) {}

  /** False when our last writes for this owner are not in the cache yet (try again later). */
  ready(t: SliceTarget): boolean {
    return this.tracker.satisfied(t.ownerKey, (name) => this.cache.get(`${t.namespace}/${name}`) !== undefined);
  }

  /**
   * `canCreate` false (the owner is being deleted) writes no new slice: the garbage collector
   * deleting slices while we replace them would never let a foreground deletion finish.
   */
  async reconcile(t: SliceTarget, existing: EndpointSlice[], desired: DesiredSlice[], canCreate = true): Promise<void> {
    const byKey = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      const k = portSetKey((s.ports ?? []) as ResolvedPort[]);
      byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    for (const want of desired) {
      const have = byKey.get(want.key)?.shift();
      if (!have) {
        if (canCreate) await this.create(t, want);
      }
      else if (!sliceEquals(have, t, want)) await this.update(have, t, want);
    }
    for (const extra of [...byKey.values()].flat()) await this.delete(t.ownerKey, extra);
  }

  /** Deletes every slice in `slices` (the owner no longer wants any). */
  async deleteAll(ownerKey: string, slices: EndpointSlice[]): Promise<void> {
    for (const s of slices) await this.delete(ownerKey, s);
  }

  private async create(t: SliceTarget, want: DesiredSlice): Promise<void> {
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { generateName: t.generateName, namespace: t.namespace, labels: t.labels, ...(t.annotations ? { annotations: t.annotations } : {}), ownerReferences: [t.ownerRef] },
      addressType: 'IPv4',
      endpoints: want.endpoints,
      ports: want.ports,
    };
    const created = await this.client.create<EndpointSlice>('endpointslices', t.namespace, slice);
    this.tracker.expectCreate(t.ownerKey, created.metadata?.name ?? '');
  }

  private async update(have: EndpointSlice, t: SliceTarget, want: DesiredSlice): Promise<void> {
    const labels = { ...(have.metadata?.labels ?? {}), ...t.labels };
    const annotations = t.annotations ? { ...(have.metadata?.annotations ?? {}), ...t.annotations } : have.metadata?.annotations;
    await this.client.update('endpointslices', { ...have, metadata: { ...have.metadata, labels, annotations }, endpoints: want.endpoints, ports: want.ports });
  }

  private async delete(ownerKey: string, slice: EndpointSlice): Promise<void> {
    const m = slice.metadata ?? {};
    this.tracker.expectDelete(ownerKey, m.name ?? '');
    try {
      await this.client.delete('endpointslices', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

/** Equal content, labels and annotations; the trigger time alone never causes a write. */
function sliceEquals(have: EndpointSlice, t: SliceTarget, want: DesiredSlice): boolean {
  const m = have.metadata ?? {};
  const labelsOk = Object.entries(t.labels).every(([k, v]) => m.labels?.[k] === v);
  const annotationsOk = Object.entries(t.annotations ?? {}).every(([k, v]) => k === LAST_CHANGE_TRIGGER_TIME || m.annotations?.[k] === v);
  return labelsOk && annotationsOk && canonicalJson(have.endpoints ?? []) === canonicalJson(want.endpoints) &&
    canonicalJson(have.ports ?? []) === canonicalJson(want.ports);
}

/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods per ReplicaSet (creating with
 * generateName `<rs>-`, deleting the least valuable first), adopts matching orphans, and writes
 * status. Expectations keep it from acting twice on one ReplicaSet before its cache caught up.
 */
import type { Pod, ReplicaSet } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { Expectations } from './expectations.js';
import { isEmptySelector, selectorMatches } from './labels.js';
import { controllerOf, controllerRef, isTerminating } from './owners.js';
import { deletionOrder, isPodActive, isPodAvailable, isPodReady } from './pod-status.js';

const RS = { kind: 'ReplicaSet', apiVersion: 'apps/v1' };

type RSStatus = NonNullable<ReplicaSet['status']>;

export class ReplicaSetController extends BaseController {
  private readonly expectations = new Expectations();

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'replicaset-controller', ['replicasets', 'pods'], opts);
  }

  protected async sync(): Promise<void> {
    const sets = this.informers.get<ReplicaSet>('replicasets').list();
    await this.forEach(sets, (rs) => this.syncReplicaSet(rs));
  }

  private async syncReplicaSet(rs: ReplicaSet): Promise<void> {
    const ns = rs.metadata?.namespace ?? '';
    const rsKey = `${ns}/${rs.metadata?.name}`;
    const pods = this.informers.get<Pod>('pods');
    const seen = (name: string) => {
      const p = pods.get(`${ns}/${name}`);
      return p !== undefined && !isTerminating(p);
    };
    const inNs = pods.list().filter((p) => p.metadata?.namespace === ns && isPodActive(p));
    const mine = inNs.filter((p) => controllerOf(p)?.uid === rs.metadata?.uid);
    const owned = mine.filter((p) => selectorMatches(rs.spec?.selector, p.metadata?.labels));
    if (!isTerminating(rs) && this.expectations.satisfied(rsKey, seen)) {
      await this.releasePods(rs, mine.filter((p) => !owned.includes(p)));
      owned.push(...(await this.adoptOrphans(rs, inNs)));
      await this.manageReplicas(rs, rsKey, owned);
    }
    await this.updateStatus(rs, owned);
  }

  private async adoptOrphans(rs: ReplicaSet, pods: Pod[]): Promise<Pod[]> {
    const adopted: Pod[] = [];
    if (isEmptySelector(rs.spec?.selector)) return adopted;
    for (const pod of pods) {
      if (controllerOf(pod) || !selectorMatches(rs.spec?.selector, pod.metadata?.labels)) continue;
      const refs = [...(pod.metadata?.ownerReferences ?? []), controllerRef(rs, 'apps/v1', 'ReplicaSet')];
      try {
        const m = pod.metadata ?? {};
        adopted.push(
          await this.client.patch<Pod>('pods', m.namespace, m.name ?? '', {
            metadata: { resourceVersion: m.resourceVersion, ownerReferences: refs },
          }),
        );
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    return adopted;
  }

  /** Pods relabelled out of the selector are let go (upstream ClaimPods' release). */
  private async releasePods(rs: ReplicaSet, pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      const m = pod.metadata ?? {};
      const refs = (m.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata?.uid);
      try {
        await this.client.patch('pods', m.namespace, m.name ?? '', { metadata: { resourceVersion: m.resourceVersion, ownerReferences: refs.length ? refs : null } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }

  private async manageReplicas(rs: ReplicaSet, rsKey: string, owned: Pod[]): Promise<void> {
    const diff = owned.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      await slowStart(-diff, () => this.createPod(rs, rsKey));
    } else if (diff > 0) {
      const victims = [...owned].sort(deletionOrder).slice(0, diff);
      await Promise.all(victims.map((p) => this.deletePod(rs, rsKey, p)));
    }
  }

  private async createPod(rs: ReplicaSet, rsKey: string): Promise<void> {
    const t = rs.spec?.template ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata?.name}-`,
        namespace: rs.metadata?.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: t.metadata?.annotations ? { ...t.metadata.annotations } : undefined,
        ownerReferences: [controllerRef(rs, 'apps/v1', 'ReplicaSet')],
      },
      spec: structuredClone(t.spec ?? { containers: [] }),
    };
    const created = await this.client.create<Pod>('pods', rs.metadata?.namespace, pod);
    this.expectations.expectCreate(rsKey, created.metadata?.name ?? '');
    this.recorder.event(rs, RS, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  private async deletePod(rs: ReplicaSet, rsKey: string, pod: Pod): Promise<void> {
    const m = pod.metadata ?? {};
    this.expectations.expectDelete(rsKey, m.name ?? '');
    try {
      await this.client.delete('pods', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } });
      this.recorder.event(rs, RS, 'Normal', 'SuccessfulDelete', `Deleted pod: ${m.name}`);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async updateStatus(rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const status = calculateReplicaSetStatus(rs, owned, Date.now());
    if (sameStatus(rs.status, status)) return;
    try {
      await this.client.updateStatus('replicasets', { ...rs, status });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

/**
 * Runs `count` calls in batches of 1, 2, 4, ... and stops at the first failing batch, as
 * upstream's slowStartBatch: a ReplicaSet whose pods are all rejected costs one call, not 500.
 */
export async function slowStart(count: number, fn: () => Promise<void>): Promise<number> {
  let done = 0;
  for (let batch = 1; done < count; batch *= 2) {
    const n = Math.min(batch, count - done);
    const results = await Promise.allSettled(Array.from({ length: n }, fn));
    done += results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return done;
}

/** Status from the owned active pods, zero counts omitted as upstream's omitempty does. */
export function calculateReplicaSetStatus(rs: ReplicaSet, owned: Pod[], now: number): RSStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const fully = owned.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v));
  const status: RSStatus = { replicas: owned.length };
  const put = (k: 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas', n: number) => {
    if (n > 0) status[k] = n;
  };
  put('fullyLabeledReplicas', fully.length);
  put('readyReplicas', owned.filter(isPodReady).length);
  put('availableReplicas', owned.filter((p) => isPodAvailable(p, minReady, now)).length);
  if (rs.metadata?.generation !== undefined) status.observedGeneration = rs.metadata.generation;
  if (rs.status?.conditions) status.conditions = rs.status.conditions;
  return status;
}

function sameStatus(a: RSStatus | undefined, b: RSStatus): boolean {
  const f = (s: RSStatus | undefined) =>
    [s?.replicas ?? 0, s?.fullyLabeledReplicas ?? 0, s?.readyReplicas ?? 0, s?.availableReplicas ?? 0, s?.observedGeneration ?? 0].join();
  return f(a) === f(b);
}

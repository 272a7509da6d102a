/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods per ReplicaSet (creating with
 * generateName `<rs>-`, deleting the least valuable first), adopts matching orphans, and writes
 * status. Expectations keep it from acting twice on one ReplicaSet before its cache caught up.
 * The same code runs ReplicationControllers (replication-controller.ts), as upstream's
 * ReplicationManager wraps the ReplicaSetController: only the kind and the selector differ.
 */
import type { Pod, ReplicaSet } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { Expectations } from './expectations.js';
import { isEmptySelector, selectorMatches } from './labels.js';
import { controllerOf, controllerRef, isTerminating } from './owners.js';
import { claimPods } from './pod-claims.js';
import { deletionOrder, isPodActive, nextAvailableAt } from './pod-status.js';
import { calculateReplicaSetStatus, sameReplicaSetStatus } from './replicaset-status.js';
import { slowStart } from './slow-start.js';

export { calculateReplicaSetStatus } from './replicaset-status.js';
export { slowStart } from './slow-start.js';

/** What differs between the kinds this controller runs. */
export interface ReplicaKind {
  plural: string;
  kind: string;
  apiVersion: string;
  /** Controller name: the runner's and the Events' source. */
  controllerName: string;
  /** Whether the owner's selector selects these labels. */
  selects(owner: ReplicaSet, labels: Record<string, string> | undefined): boolean;
  /** An empty selector selects everything: such owners never adopt (as upstream). */
  canAdopt(owner: ReplicaSet): boolean;
}

export const REPLICA_SET: ReplicaKind = {
  plural: 'replicasets',
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  controllerName: 'replicaset-controller',
  selects: (rs, labels) => selectorMatches(rs.spec?.selector, labels),
  canAdopt: (rs) => !isEmptySelector(rs.spec?.selector),
};

export class ReplicaSetController extends BaseController {
  private readonly expectations = new Expectations();
  private minReadyTimer: NodeJS.Timeout | undefined;

  private readonly ref: { kind: string; apiVersion: string };

  constructor(client: Client, opts: ControllerOptions = {}, private readonly rk: ReplicaKind = REPLICA_SET) {
    super(client, rk.controllerName, [rk.plural, 'pods'], opts);
    this.ref = { kind: rk.kind, apiVersion: rk.apiVersion };
  }

  protected async sync(): Promise<void> {
    const sets = this.informers.get<ReplicaSet>(this.rk.plural).list();
    const byNs = new Map<string, Pod[]>();
    for (const p of this.informers.get<Pod>('pods').list()) {
      if (!isPodActive(p)) continue;
      const ns = p.metadata?.namespace ?? '';
      const list = byNs.get(ns);
      if (list) list.push(p);
      else byNs.set(ns, [p]);
    }
    await this.forEach(sets, (rs) => this.syncReplicaSet(rs, byNs.get(rs.metadata?.namespace ?? '') ?? []));
    this.wakeForMinReady(sets, byNs);
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.minReadyTimer);
  }

  /** A pod ready but not yet for minReadySeconds becomes available later: sync again then. */
  private wakeForMinReady(sets: ReplicaSet[], byNs: Map<string, Pod[]>): void {
    const min = new Map(sets.map((rs) => [rs.metadata?.uid, rs.spec?.minReadySeconds ?? 0]));
    const now = Date.now();
    const next = nextAvailableAt([...byNs.values()].flat(), (p) => min.get(controllerOf(p)?.uid) ?? 0, now);
    clearTimeout(this.minReadyTimer);
    if (next === Infinity) return;
    this.minReadyTimer = setTimeout(() => this.runner.run(), Math.max(0, next - now) + 100);
    this.minReadyTimer.unref();
  }

  private async syncReplicaSet(rs: ReplicaSet, inNs: Pod[]): Promise<void> {
    const ns = rs.metadata?.namespace ?? '';
    const rsKey = `${ns}/${rs.metadata?.name}`;
    const pods = this.informers.get<Pod>('pods');
    const seen = (name: string) => {
      const p = pods.get(`${ns}/${name}`);
      return p !== undefined && !isTerminating(p);
    };
    if (!isTerminating(rs) && this.expectations.satisfied(rsKey, seen)) {
      const owned = await claimPods(this.client, rs, inNs, {
        kind: this.rk.kind,
        apiVersion: this.rk.apiVersion,
        selects: (labels) => this.rk.selects(rs, labels),
        canAdopt: this.rk.canAdopt(rs),
      });
      await this.manageReplicas(rs, rsKey, owned);
      return this.updateStatus(rs, owned);
    }
    const owned = inNs.filter((p) => controllerOf(p)?.uid === rs.metadata?.uid && this.rk.selects(rs, p.metadata?.labels));
    await this.updateStatus(rs, owned);
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
        ownerReferences: [controllerRef(rs, this.rk.apiVersion, this.rk.kind)],
      },
      spec: structuredClone(t.spec ?? { containers: [] }),
    };
    const created = await this.client.create<Pod>('pods', rs.metadata?.namespace, pod);
    this.expectations.expectCreate(rsKey, created.metadata?.name ?? '');
    this.recorder.event(rs, this.ref, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  private async deletePod(rs: ReplicaSet, rsKey: string, pod: Pod): Promise<void> {
    const m = pod.metadata ?? {};
    this.expectations.expectDelete(rsKey, m.name ?? '');
    try {
      await this.client.delete('pods', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } });
      this.recorder.event(rs, this.ref, 'Normal', 'SuccessfulDelete', `Deleted pod: ${m.name}`);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async updateStatus(rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const status = calculateReplicaSetStatus(rs, owned, Date.now());
    if (sameReplicaSetStatus(rs.status, status)) return;
    try {
      await this.client.updateStatus(this.rk.plural, { ...rs, status });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

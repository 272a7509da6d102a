/**
 * The DaemonSet controller: one pod per node that should run it (nodeSelector, affinity and
 * taints, daemon tolerations added), following nodes as they come and go; pods are pinned by a
 * required node affinity `metadata.name In [node]` and bound by the scheduler, as upstream.
 * Template changes roll out with RollingUpdate (maxUnavailable, maxSurge) or wait for manual
 * deletion with OnDelete. Status as upstream, for `kubectl rollout status ds/x`.
 */
import type { DaemonSet, Node, Pod } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { daemonSetHash, newDaemonPod } from './daemon-pod.js';
import { type DaemonPlan, manageDaemonPods } from './daemonset-manage.js';
import { rollingUpdateDaemonPods } from './daemonset-rolling-update.js';
import { calculateDaemonSetStatus, sameDaemonSetStatus } from './daemonset-status.js';
import { Expectations } from './expectations.js';
import { isEmptySelector, selectorMatches } from './labels.js';
import { controllerOf, isTerminating } from './owners.js';
import { claimPods } from './pod-claims.js';
import { nextAvailableAt } from './pod-status.js';
import { slowStart } from './slow-start.js';

const DS = { kind: 'DaemonSet', apiVersion: 'apps/v1' };

export class DaemonSetController extends BaseController {
  private readonly expectations = new Expectations();
  private minReadyTimer: NodeJS.Timeout | undefined;

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'daemonset-controller', ['daemonsets', 'pods', 'nodes'], opts);
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.minReadyTimer);
  }

  protected async sync(): Promise<void> {
    const sets = this.informers.get<DaemonSet>('daemonsets').list();
    const nodes = this.informers.get<Node>('nodes').list();
    const byNs = new Map<string, Pod[]>();
    for (const p of this.informers.get<Pod>('pods').list()) {
      const ns = p.metadata?.namespace ?? '';
      byNs.set(ns, [...(byNs.get(ns) ?? []), p]);
    }
    const owned: Pod[] = [];
    await this.forEach(sets, async (ds) => {
      owned.push(...(await this.syncDaemonSet(ds, nodes, byNs.get(ds.metadata?.namespace ?? '') ?? [])));
    });
    this.wakeForMinReady(sets, owned);
  }

  private async syncDaemonSet(ds: DaemonSet, nodes: Node[], inNs: Pod[]): Promise<Pod[]> {
    const ns = ds.metadata?.namespace ?? '';
    const key = `${ns}/${ds.metadata?.name}`;
    const hash = daemonSetHash(ds);
    const cache = this.informers.get<Pod>('pods');
    const pods = await claimPods(this.client, ds, inNs, {
      ...DS,
      selects: (labels) => selectorMatches(ds.spec?.selector, labels),
      canAdopt: !isEmptySelector(ds.spec?.selector),
    });
    const seen = (name: string) => {
      const p = cache.get(`${ns}/${name}`);
      return p !== undefined && !isTerminating(p);
    };
    if (!isTerminating(ds) && this.expectations.satisfied(key, seen)) {
      let plan = manageDaemonPods(ds, nodes, pods, hash);
      // Upstream rolls only once manage's own writes are observed.
      const idle = plan.createOn.length === 0 && plan.deletePods.length === 0;
      if (idle && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        plan = rollingUpdateDaemonPods(ds, nodes, pods, hash, Date.now());
      }
      await this.syncNodes(ds, key, plan, hash);
    }
    await this.updateStatus(ds, nodes, pods, hash);
    return pods;
  }

  private async syncNodes(ds: DaemonSet, key: string, plan: DaemonPlan, hash: string): Promise<void> {
    const todo = [...plan.createOn];
    await slowStart(todo.length, async () => this.createPod(ds, key, todo.shift() ?? '', hash));
    await Promise.all(plan.deletePods.map((p) => this.deletePod(ds, key, p)));
  }

  private async createPod(ds: DaemonSet, key: string, nodeName: string, hash: string): Promise<void> {
    const created = await this.client.create<Pod>('pods', ds.metadata?.namespace, newDaemonPod(ds, nodeName, hash));
    this.expectations.expectCreate(key, created.metadata?.name ?? '');
    this.recorder.event(ds, DS, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  private async deletePod(ds: DaemonSet, key: string, pod: Pod): Promise<void> {
    const m = pod.metadata ?? {};
    this.expectations.expectDelete(key, m.name ?? '');
    try {
      await this.client.delete('pods', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } });
      this.recorder.event(ds, DS, 'Normal', 'SuccessfulDelete', `Deleted pod: ${m.name}`);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async updateStatus(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string): Promise<void> {
    const status = calculateDaemonSetStatus(ds, nodes, pods, hash, Date.now());
    if (sameDaemonSetStatus(ds.status, status)) return;
    try {
      await this.client.updateStatus('daemonsets', { ...ds, status });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** A pod ready but not yet for minReadySeconds becomes available later: sync again then. */
  private wakeForMinReady(sets: DaemonSet[], pods: Pod[]): void {
    const min = new Map(sets.map((ds) => [ds.metadata?.uid, ds.spec?.minReadySeconds ?? 0]));
    const now = Date.now();
    const next = nextAvailableAt(pods, (p) => min.get(controllerOf(p)?.uid) ?? 0, now);
    clearTimeout(this.minReadyTimer);
    if (next === Infinity) return;
    this.minReadyTimer = setTimeout(() => this.runner.run(), Math.max(0, next - now) + 100);
    this.minReadyTimer.unref();
  }
}

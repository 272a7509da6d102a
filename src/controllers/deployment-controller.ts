/**
 * The Deployment controller: one ReplicaSet per pod template (`<deploy>-<pod-template-hash>`),
 * rolled by the RollingUpdate (maxSurge/maxUnavailable) or Recreate strategy, revision
 * annotations, and a status `kubectl rollout status` can follow.
 */
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import { type Client, isAlreadyExists, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { calculateDeploymentStatus, sameDeploymentStatus } from './deployment-status.js';
import { isEmptySelector, selectorMatches } from './labels.js';
import { controllerOf, controllerRef, isTerminating } from './owners.js';
import { computeHash, templatesEqualIgnoringHash } from './pod-template-hash.js';
import { desiredReplicas, newReplicaSetReplicas, oldReplicaSetTargets } from './rolling-update.js';
import { copiedAnnotations, newReplicaSetFor, POD_TEMPLATE_HASH, replicaAnnotations, REVISION } from './replicaset-for.js';

export { DESIRED_REPLICAS, MAX_REPLICAS, newReplicaSetFor, POD_TEMPLATE_HASH, REVISION } from './replicaset-for.js';

const DEPLOY = { kind: 'Deployment', apiVersion: 'apps/v1' };

const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata?.annotations?.[REVISION] ?? 0) || 0;

export class DeploymentController extends BaseController {
  /** Wake-ups at the progress deadline of stalled rollouts (upstream requeues with the remainder). */
  private readonly deadlineTimers = new Map<string, NodeJS.Timeout>();

  constructor(client: Client, opts: ControllerOptions = {}) {
    // Pods: Recreate waits until the old ones are gone, terminating ones included.
    super(client, 'deployment-controller', ['deployments', 'replicasets', 'pods'], opts);
  }

  protected async sync(): Promise<void> {
    const deployments = this.informers.get<Deployment>('deployments').list();
    await this.forEach(deployments.filter((d) => !isTerminating(d)), (d) => this.syncDeployment(d));
  }

  private async syncDeployment(d: Deployment): Promise<void> {
    const ns = d.metadata?.namespace;
    const inNs = this.informers.get<ReplicaSet>('replicasets').list().filter((rs) => rs.metadata?.namespace === ns);
    const owned = inNs.filter((rs) => controllerOf(rs)?.uid === d.metadata?.uid);
    owned.push(...(await this.adoptOrphans(d, inNs)));
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    let newRS =
      owned.find((rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH] === hash) ??
      owned.find((rs) => templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template));
    const oldRSs = owned.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...oldRSs.map(revisionOf));
    if (d.spec?.paused) return this.syncPaused(d, newRS, oldRSs);
    let justCreated = false;
    if (!newRS) {
      newRS = await this.createReplicaSet(d, hash, oldRSs, maxOldRevision + 1);
      if (!newRS) return;
      justCreated = true;
    } else {
      newRS = await this.syncReplicaSet(d, newRS, newReplicaSetReplicas(d, newRS, oldRSs, this.oldPodsRunning(oldRSs)), maxOldRevision);
    }
    const scaled = await this.scaleOldReplicaSets(d, newRS, oldRSs);
    await this.syncRevision(d, revisionOf(newRS));
    await this.syncStatus(d, newRS, [newRS, ...scaled], justCreated);
    await this.cleanupOldReplicaSets(d, scaled);
  }

  /** Whether a pod of an old ReplicaSet still runs (not Succeeded/Failed; terminating counts). */
  private oldPodsRunning(oldRSs: ReplicaSet[]): boolean {
    const uids = new Set(oldRSs.map((rs) => rs.metadata?.uid));
    if (uids.size === 0) return false;
    return this.informers
      .get<Pod>('pods')
      .list()
      .some((p) => uids.has(controllerOf(p)?.uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  }

  /** Keeps at most revisionHistoryLimit (default 10) drained old ReplicaSets, oldest deleted first. */
  private async cleanupOldReplicaSets(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const drained = oldRSs
      .filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !isTerminating(rs))
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    const extra = drained.length - (d.spec?.revisionHistoryLimit ?? 10);
    for (const rs of drained.slice(0, Math.max(0, extra))) {
      const m = rs.metadata ?? {};
      await this.client.delete('replicasets', m.namespace, m.name ?? '', { preconditions: { uid: m.uid } }).catch((e: unknown) => {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      });
    }
  }

  /**
   * `kubectl rollout pause`: no new ReplicaSet and no rollout; a plain scale of a settled
   * deployment still applies (upstream's sync while paused).
   */
  private async syncPaused(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const settled = newRS && oldRSs.every((rs) => (rs.spec?.replicas ?? 0) === 0);
    const rs = settled ? await this.syncReplicaSet(d, newRS, desiredReplicas(d), 0) : newRS;
    await this.syncStatus(d, rs, rs ? [rs, ...oldRSs] : oldRSs, false);
  }

  /** ReplicaSets matching the selector without a controller (e.g. after --cascade=orphan) are adopted. */
  private async adoptOrphans(d: Deployment, sets: ReplicaSet[]): Promise<ReplicaSet[]> {
    const adopted: ReplicaSet[] = [];
    if (isEmptySelector(d.spec?.selector)) return adopted;
    for (const rs of sets) {
      if (controllerOf(rs) || isTerminating(rs) || !selectorMatches(d.spec?.selector, rs.metadata?.labels)) continue;
      const m = rs.metadata ?? {};
      const refs = [...(m.ownerReferences ?? []), controllerRef(d, 'apps/v1', 'Deployment')];
      try {
        adopted.push(await this.client.patch<ReplicaSet>('replicasets', m.namespace, m.name ?? '', { metadata: { resourceVersion: m.resourceVersion, ownerReferences: refs } }));
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    return adopted;
  }

  /** Creates the new ReplicaSet; on a name held by someone else, bumps collisionCount (upstream). */
  private async createReplicaSet(d: Deployment, hash: string, oldRSs: ReplicaSet[], revision: number): Promise<ReplicaSet | undefined> {
    const rs = newReplicaSetFor(d, hash, revision, newReplicaSetReplicas(d, undefined, oldRSs, this.oldPodsRunning(oldRSs)));
    try {
      const created = await this.client.create<ReplicaSet>('replicasets', d.metadata?.namespace, rs);
      this.recorder.event(d, DEPLOY, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} from 0 to ${created.spec?.replicas ?? 0}`);
      return created;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    const existing = await this.client.get<ReplicaSet>('replicasets', d.metadata?.namespace, rs.metadata?.name ?? '');
    if (controllerOf(existing)?.uid === d.metadata?.uid) return existing;
    const status = { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 };
    await this.client.updateStatus('deployments', { ...d, status });
    return undefined;
  }

  /** Scales the new ReplicaSet and keeps its annotations in step (revision, desired/max replicas). */
  private async syncReplicaSet(d: Deployment, rs: ReplicaSet, replicas: number, maxOldRevision: number): Promise<ReplicaSet> {
    const annotations = { ...(rs.metadata?.annotations ?? {}), ...copiedAnnotations(d), ...replicaAnnotations(d) };
    // A rollback re-uses an old ReplicaSet: it becomes the newest revision again.
    if (revisionOf(rs) <= maxOldRevision) annotations[REVISION] = String(maxOldRevision + 1);
    const same = rs.spec?.replicas === replicas &&
      Object.entries(annotations).every(([k, v]) => rs.metadata?.annotations?.[k] === v);
    if (same) return rs;
    const updated = await this.client.update<ReplicaSet>('replicasets', {
      ...rs,
      metadata: { ...rs.metadata, annotations },
      spec: { ...rs.spec!, replicas },
    });
    this.scaled(d, rs, replicas);
    return updated;
  }

  private scaled(d: Deployment, rs: ReplicaSet, to: number): void {
    const from = rs.spec?.replicas ?? 0;
    if (from === to) return;
    const dir = to > from ? 'up' : 'down';
    this.recorder.event(d, DEPLOY, 'Normal', 'ScalingReplicaSet', `Scaled ${dir} replica set ${rs.metadata?.name} from ${from} to ${to}`);
  }

  private async scaleOldReplicaSets(d: Deployment, newRS: ReplicaSet, oldRSs: ReplicaSet[]): Promise<ReplicaSet[]> {
    const targets = oldReplicaSetTargets(d, newRS, oldRSs);
    const out: ReplicaSet[] = [];
    for (const rs of oldRSs) {
      const want = targets.get(rs.metadata?.name ?? '') ?? 0;
      if (want === (rs.spec?.replicas ?? 0)) {
        out.push(rs);
        continue;
      }
      out.push(await this.client.update<ReplicaSet>('replicasets', { ...rs, spec: { ...rs.spec!, replicas: want } }));
      this.scaled(d, rs, want);
    }
    return out;
  }

  private async syncRevision(d: Deployment, revision: number): Promise<void> {
    if (d.metadata?.annotations?.[REVISION] === String(revision)) return;
    const m = d.metadata ?? {};
    await this.client.patch('deployments', m.namespace, m.name ?? '', { metadata: { annotations: { [REVISION]: String(revision) } } });
  }

  override stop(): void {
    super.stop();
    for (const t of this.deadlineTimers.values()) clearTimeout(t);
    this.deadlineTimers.clear();
  }

  private scheduleDeadlineCheck(d: Deployment, progressing: { reason?: string; lastUpdateTime?: string } | undefined): void {
    const key = `${d.metadata?.namespace}/${d.metadata?.name}`;
    clearTimeout(this.deadlineTimers.get(key));
    this.deadlineTimers.delete(key);
    if (!progressing || ['NewReplicaSetAvailable', 'ProgressDeadlineExceeded', 'DeploymentPaused'].includes(progressing.reason ?? '')) return;
    const at = Date.parse(progressing.lastUpdateTime ?? '') + (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    if (!Number.isFinite(at)) return;
    const t = setTimeout(() => this.runner.run(), Math.max(0, at - Date.now()) + 1000);
    t.unref();
    this.deadlineTimers.set(key, t);
  }

  private async syncStatus(d: Deployment, newRS: ReplicaSet | undefined, all: ReplicaSet[], justCreated: boolean): Promise<void> {
    const status = calculateDeploymentStatus(d, newRS, all, justCreated);
    this.scheduleDeadlineCheck(d, status.conditions?.find((c) => c.type === 'Progressing'));
    if (sameDeploymentStatus(d.status, status)) return;
    try {
      // The cached object may be stale (we may have just patched annotations): take the latest.
      const fresh = await this.client.get<Deployment>('deployments', d.metadata?.namespace, d.metadata?.name ?? '');
      if (fresh.metadata?.uid !== d.metadata?.uid) return;
      await this.client.updateStatus('deployments', { ...fresh, status: { ...status, observedGeneration: d.metadata?.generation } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

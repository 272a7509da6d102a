/**
 * Deployment status from its ReplicaSets, as upstream's calculateStatus plus the Available and
 * Progressing conditions that `kubectl rollout status` reads.
 */
import type { Deployment, ReplicaSet } from '../api/types.js';
import { metaNow } from './owners.js';
import { desiredReplicas, resolveFenceposts, specReplicas } from './rolling-update.js';

type DStatus = NonNullable<Deployment['status']>;
type DCondition = NonNullable<DStatus['conditions']>[number];

const sum = (sets: ReplicaSet[], f: (rs: ReplicaSet) => number): number => sets.reduce((n, rs) => n + f(rs), 0);

/** updated == replicas == total == available, and the spec has been observed (DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DStatus): boolean {
  const r = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

export function calculateDeploymentStatus(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  allRSs: ReplicaSet[],
  justCreated: boolean,
  now = Date.now(),
): DStatus {
  const available = sum(allRSs, (rs) => rs.status?.availableReplicas ?? 0);
  const status: DStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: sum(allRSs, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(allRSs, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sum(allRSs, specReplicas) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const [, maxUnavailable] = resolveFenceposts(d);
  const old = d.status?.conditions ?? [];
  const availableCond: Omit<DCondition, 'lastUpdateTime' | 'lastTransitionTime'> =
    available >= desiredReplicas(d) - maxUnavailable
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
  status.conditions = [mergeCondition(old, availableCond), progressingCondition(d, status, newRS?.metadata?.name ?? '', justCreated, now)];
  return status;
}

/** Progress since the last status, as upstream's DeploymentProgressing. */
function madeProgress(oldS: DStatus, s: DStatus): boolean {
  const oldOld = (oldS.replicas ?? 0) - (oldS.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (oldS.updatedReplicas ?? 0) || newOld < oldOld ||
    (s.readyReplicas ?? 0) > (oldS.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (oldS.availableReplicas ?? 0);
}

/**
 * The Progressing condition: NewReplicaSetAvailable once complete, NewReplicaSetCreated,
 * FoundNewReplicaSet or ReplicaSetUpdated (lastUpdateTime refreshed on every bit of progress), and
 * ProgressDeadlineExceeded when no progress was seen for progressDeadlineSeconds (default 600).
 */
function progressingCondition(d: Deployment, s: DStatus, rsName: string, justCreated: boolean, now: number): DCondition {
  const prev = d.status?.conditions?.find((c) => c.type === 'Progressing');
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
  const fresh = (status: string, reason: string, message: string): DCondition => ({
    type: 'Progressing',
    status,
    reason,
    message,
    lastUpdateTime: stamp,
    lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : stamp,
  });
  if (d.spec?.paused) {
    return prev?.reason === 'DeploymentPaused' ? prev : fresh('Unknown', 'DeploymentPaused', 'Deployment is paused');
  }
  if (prev?.reason === 'DeploymentPaused') return fresh('Unknown', 'DeploymentResumed', 'Deployment is resumed');
  if (deploymentComplete(d, s)) {
    const msg = `ReplicaSet "${rsName}" has successfully progressed.`;
    return prev?.reason === 'NewReplicaSetAvailable' && prev.message === msg ? prev : fresh('True', 'NewReplicaSetAvailable', msg);
  }
  if (justCreated) return fresh('True', 'NewReplicaSetCreated', `Created new replica set "${rsName}"`);
  // A ReplicaSet that existed before the deployment had a Progressing condition (adopted).
  if (!prev && rsName) return fresh('True', 'FoundNewReplicaSet', `Found new replica set "${rsName}"`);
  if (!prev || madeProgress(d.status ?? {}, s)) return fresh('True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`);
  if (prev.reason === 'ProgressDeadlineExceeded' || prev.reason === 'NewReplicaSetAvailable') {
    // A finished rollout that regressed (a pod died) is progressing again, not timed out.
    return prev.reason === 'NewReplicaSetAvailable' ? fresh('True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`) : prev;
  }
  const deadline = d.spec?.progressDeadlineSeconds ?? 600;
  const since = Date.parse(prev.lastUpdateTime ?? '');
  if (Number.isFinite(since) && since + deadline * 1000 < now) {
    return fresh('False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`);
  }
  return prev;
}

/** Keeps the old timestamps when nothing changed, as upstream's SetDeploymentCondition. */
function mergeCondition(old: DCondition[], c: Omit<DCondition, 'lastUpdateTime' | 'lastTransitionTime'>): DCondition {
  const prev = old.find((x) => x.type === c.type);
  const now = metaNow();
  if (!prev) return { ...c, lastUpdateTime: now, lastTransitionTime: now };
  const same = prev.status === c.status && prev.reason === c.reason && prev.message === c.message;
  return {
    ...c,
    lastUpdateTime: same ? prev.lastUpdateTime : now,
    lastTransitionTime: prev.status === c.status ? prev.lastTransitionTime : now,
  };
}

/** Equal ignoring condition timestamps (avoid rewriting an unchanged status). */
export function sameDeploymentStatus(a: DStatus | undefined, b: DStatus): boolean {
  const strip = (s: DStatus | undefined) =>
    JSON.stringify([
      s?.observedGeneration ?? 0,
      s?.replicas ?? 0,
      s?.updatedReplicas ?? 0,
      s?.readyReplicas ?? 0,
      s?.availableReplicas ?? 0,
      s?.unavailableReplicas ?? 0,
      s?.collisionCount ?? 0,
      (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
    ]);
  return strip(a) === strip(b);
}

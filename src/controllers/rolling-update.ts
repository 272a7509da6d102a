/**
 * The replica arithmetic of a Deployment rollout, pure: how far the new ReplicaSet may scale up
 * (maxSurge) and the old ones down (maxUnavailable), as upstream's deploymentutil
 * NewRSNewReplicas, reconcileOldReplicaSets and ResolveFenceposts.
 */
import type { Deployment, ReplicaSet } from '../api/types.js';

type IntOrString = number | string | undefined;

/** An int-or-percent against `total`; percents round up for surge, down for unavailable. */
export function resolveIntOrPercent(v: IntOrString, total: number, roundUp: boolean, field: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`deployment: Invalid value for ${field}: "${v}" must be an integer or a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

/** [maxSurge, maxUnavailable]; both zero would deadlock, so unavailable becomes 1 (upstream). */
export function resolveFenceposts(d: Deployment): [number, number] {
  if (d.spec?.strategy?.type === 'Recreate') return [0, 0];
  const ru = d.spec?.strategy?.rollingUpdate;
  const replicas = desiredReplicas(d);
  const surge = resolveIntOrPercent(ru?.maxSurge ?? '25%', replicas, true, 'spec.strategy.rollingUpdate.maxSurge');
  let unavailable = resolveIntOrPercent(ru?.maxUnavailable ?? '25%', replicas, false, 'spec.strategy.rollingUpdate.maxUnavailable');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, Math.min(unavailable, replicas)];
}

export const specReplicas = (rs: ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
/**
 * Available pods counted for scaling: never more than the spec, because a status written before
 * the last scale-down still counts pods the ReplicaSet controller is about to delete.
 */
const available = (rs: ReplicaSet): number => Math.min(specReplicas(rs), rs.status?.availableReplicas ?? 0);
const sum = (sets: ReplicaSet[], f: (rs: ReplicaSet) => number): number => sets.reduce((n, rs) => n + f(rs), 0);
const byAge = (a: ReplicaSet, b: ReplicaSet): number =>
  (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

/**
 * The new ReplicaSet's replicas: up to `replicas`, never above replicas + maxSurge in total.
 * Recreate scales up only once no old pod runs any more (`oldPodsRunning`, terminating ones
 * included), as upstream's rolloutRecreate.
 */
export function newReplicaSetReplicas(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], oldPodsRunning = false): number {
  const replicas = desiredReplicas(d);
  const current = specReplicas(newRS);
  if (current >= replicas) return replicas;
  if (d.spec?.strategy?.type === 'Recreate') {
    const oldLeft = oldPodsRunning || sum(oldRSs, specReplicas) > 0 || sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0;
    return oldLeft ? current : replicas;
  }
  const [surge] = resolveFenceposts(d);
  const total = current + sum(oldRSs, specReplicas);
  const room = replicas + surge - total;
  return room <= 0 ? current : current + Math.min(room, replicas - current);
}

/**
 * Target replicas for each old ReplicaSet (by name): unhealthy replicas go first, then available
 * ones oldest first, never dropping availability below replicas - maxUnavailable.
 */
export function oldReplicaSetTargets(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Map<string, number> {
  const targets = new Map(oldRSs.map((rs) => [rs.metadata?.name ?? '', specReplicas(rs)]));
  if (d.spec?.strategy?.type === 'Recreate') {
    for (const k of targets.keys()) targets.set(k, 0);
    return targets;
  }
  const [, maxUnavailable] = resolveFenceposts(d);
  const minAvailable = desiredReplicas(d) - maxUnavailable;
  const all = newRS ? [newRS, ...oldRSs] : oldRSs;
  const newUnavailable = specReplicas(newRS) - (newRS ? available(newRS) : 0);
  let budget = sum(all, specReplicas) - minAvailable - newUnavailable;
  const sorted = [...oldRSs].sort(byAge);
  for (const rs of sorted) {
    if (budget <= 0) break;
    const name = rs.metadata?.name ?? '';
    const unhealthy = Math.max(0, specReplicas(rs) - available(rs));
    const cut = Math.min(unhealthy, budget);
    targets.set(name, (targets.get(name) ?? 0) - cut);
    budget -= cut;
  }
  let excessAvailable = sum(all, available) - minAvailable;
  for (const rs of sorted) {
    if (excessAvailable <= 0) break;
    const name = rs.metadata?.name ?? '';
    const cut = Math.min(targets.get(name) ?? 0, excessAvailable);
    targets.set(name, (targets.get(name) ?? 0) - cut);
    excessAvailable -= cut;
  }
  return targets;
}

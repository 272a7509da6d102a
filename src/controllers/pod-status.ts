/** Pod predicates the workload controllers share (upstream's podutil). */
import type { Pod } from '../api/types.js';
import { isTerminating } from './owners.js';

export function podReadyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds at `now` (ms). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** Counted by a ReplicaSet: not terminating and not finished (upstream FilterActivePods). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !isTerminating(pod);
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders pods so that the ones to delete first come first, as upstream's ActivePods sort:
 * unscheduled before scheduled, Pending < Unknown < Running, not ready before ready, newer first.
 */
export function deletionOrder(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const ca = a.metadata?.creationTimestamp ?? '';
  const cb = b.metadata?.creationTimestamp ?? '';
  return cb < ca ? -1 : cb > ca ? 1 : 0;
}

/**
 * When the next of `pods` (ready, not yet available) becomes available, ms since the epoch, or
 * Infinity: controllers wake then instead of waiting for a resync. `minReadyOf` gives a pod's
 * owner's minReadySeconds.
 */
export function nextAvailableAt(pods: Pod[], minReadyOf: (pod: Pod) => number, now: number): number {
  let next = Infinity;
  for (const p of pods) {
    const min = minReadyOf(p);
    if (min <= 0 || !isPodReady(p) || isPodAvailable(p, min, now)) continue;
    const since = Date.parse(podReadyCondition(p)?.lastTransitionTime ?? '');
    if (Number.isFinite(since)) next = Math.min(next, since + min * 1000);
  }
  return next;
}

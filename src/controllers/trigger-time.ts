/**
 * The `endpoints.kubernetes.io/last-change-trigger-time` annotation: when the Pod or Service
 * change happened that the endpoints now reflect (T0, not the time of the write), as upstream's
 * TriggerTimeTracker, whose dates are a pod's Ready transition and a service's creation. podnet
 * is level-triggered, so it takes the latest such date of what it reads; a change it cannot date
 * (a pod gone) is stamped with the time it is written.
 */
import type { Pod, Service } from '../api/types.js';
import { podReadyCondition } from './pod-status.js';

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

const parse = (t: string | undefined | null): number => {
  const ms = Date.parse(t ?? '');
  return Number.isFinite(ms) ? ms : 0;
};

/** RFC 3339 as upstream writes it (RFC3339Nano, trailing zeros trimmed). */
function format(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/**
 * The trigger time for endpoints computed from `svc` and `pods`; `previous` is the annotation
 * already written: a result not later than it means an undated change, stamped `now`.
 */
export function lastChangeTriggerTime(svc: Service, pods: Pod[], previous: string | undefined, now = Date.now()): string {
  let t = parse(svc.metadata?.creationTimestamp);
  for (const p of pods) {
    // A deletion happened its grace period before the deletionTimestamp.
    const deleted = parse(p.metadata?.deletionTimestamp) - (p.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
    t = Math.max(t, parse(podReadyCondition(p)?.lastTransitionTime), parse(p.metadata?.creationTimestamp), deleted);
  }
  // Equal is a change within the same (second-precision) instant, not an undated one.
  if (t === 0 || (previous !== undefined && t < parse(previous))) t = now;
  return format(t);
}

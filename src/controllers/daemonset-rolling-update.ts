/**
 * A DaemonSet's RollingUpdate step, pure, as upstream's rollingUpdate(): without surge, old
 * pods are deleted while at most maxUnavailable nodes lack an available up-to-date pod (an
 * unavailable old pod goes at once); with maxSurge, new pods are created beside old ones on at
 * most maxSurge nodes at a time, and an old pod goes once its node's new pod is available.
 * Both counts are resolved against desiredNumberScheduled, percentages rounding up; both zero
 * means maxUnavailable 1.
 */
import type { DaemonSet, Node, Pod } from '../api/types.js';
import { CONTROLLER_REVISION_HASH, nodeShouldRunDaemonPod } from './daemon-pod.js';
import type { DaemonPlan } from './daemonset-manage.js';
import { podsByNode } from './daemonset-manage.js';
import { isTerminating } from './owners.js';
import { isPodAvailable } from './pod-status.js';
import { resolveIntOrPercent } from './rolling-update.js';

/** [maxSurge, maxUnavailable] for `desired` nodes (updatedDesiredNodeCounts). */
export function daemonFenceposts(ds: DaemonSet, desired: number): [number, number] {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const surge = resolveIntOrPercent(ru?.maxSurge ?? 0, desired, true, 'spec.updateStrategy.rollingUpdate.maxSurge');
  let unavailable = resolveIntOrPercent(ru?.maxUnavailable ?? 1, desired, true, 'spec.updateStrategy.rollingUpdate.maxUnavailable');
  if (desired > 0 && surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** The one live new and one live old pod of a node; ok=false when there are more (findUpdatedPodsOnNode). */
function updatedPodsOnNode(pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (isTerminating(p)) continue;
    if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

export function rollingUpdateDaemonPods(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: number): DaemonPlan {
  const byNode = podsByNode(pods);
  const wanted = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).map((n) => n.metadata?.name ?? '');
  for (const n of wanted) if (!byNode.has(n)) byNode.set(n, []);
  const [maxSurge, maxUnavailable] = daemonFenceposts(ds, wanted.length);
  const available = (p: Pod) => isPodAvailable(p, ds.spec?.minReadySeconds ?? 0, now);
  const sorted = [...byNode].sort(([a], [b]) => a.localeCompare(b));
  return maxSurge === 0 ? withoutSurge(sorted, hash, maxUnavailable, available) : withSurge(sorted, hash, maxSurge, available);
}

type NodePods = [string, Pod[]][];

function withoutSurge(nodes: NodePods, hash: string, maxUnavailable: number, available: (p: Pod) => boolean): DaemonPlan {
  let unavailable = 0;
  const replaceNow: Pod[] = [];
  const candidates: Pod[] = [];
  for (const [, pods] of nodes) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(pods, hash);
    if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
    else if (newPod) {
      if (!available(newPod)) unavailable++;
    } else if (oldPod && !available(oldPod)) replaceNow.push(oldPod);
    else if (oldPod && unavailable < maxUnavailable) candidates.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return { createOn: [], deletePods: [...replaceNow, ...candidates.slice(0, room)] };
}

function withSurge(nodes: NodePods, hash: string, maxSurge: number, available: (p: Pod) => boolean): DaemonPlan {
  let surged = 0;
  const deletePods: Pod[] = [];
  const createNow: string[] = [];
  const candidates: string[] = [];
  for (const [node, pods] of nodes) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(pods, hash);
    if (!ok) surged++;
    else if (!oldPod) continue; // manage creates what is missing
    else if (!newPod) {
      if (!available(oldPod)) createNow.push(node);
      else if (surged < maxSurge) candidates.push(node);
    } else if (!available(newPod)) surged++;
    else deletePods.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surged), candidates.length);
  return { createOn: [...createNow, ...candidates.slice(0, room)], deletePods };
}

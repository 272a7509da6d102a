/**
 * The daemon pods a DaemonSet should create and delete, pure, as upstream's manage() and
 * podsShouldBeOnNode(): a node that should run the pod and has none gets one; failed pods are
 * replaced; a node that must not keep running it loses its pods; extra pods on a node are
 * deleted (with maxSurge, a new pod may stand beside a ready old one until it is ready itself).
 * Unscheduled pods meant for a node that is gone are deleted too; bound ones are the pod GC's.
 */
import type { DaemonSet, Node, Pod } from '../api/types.js';
import { CONTROLLER_REVISION_HASH, nodeShouldRunDaemonPod, targetNodeName } from './daemon-pod.js';
import { isTerminating } from './owners.js';
import { isPodReady } from './pod-status.js';
import { resolveIntOrPercent } from './rolling-update.js';

export interface DaemonPlan {
  /** Nodes to create a daemon pod for. */
  createOn: string[];
  deletePods: Pod[];
}

/** Oldest first; among equals, running before pending (podByCreationTimestampAndPhase). */
export function byCreation(a: Pod, b: Pod): number {
  const ca = a.metadata?.creationTimestamp ?? '';
  const cb = b.metadata?.creationTimestamp ?? '';
  if (ca !== cb) return ca < cb ? -1 : 1;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Daemon pods by the node they target (bound or pinned by affinity). */
export function podsByNode(pods: Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = targetNodeName(p) ?? '';
    out.set(n, [...(out.get(n) ?? []), p]);
  }
  return out;
}

export function allowsSurge(ds: DaemonSet, desired: number): boolean {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if (ds.spec?.updateStrategy?.type === 'OnDelete' || !ru?.maxSurge) return false;
  return resolveIntOrPercent(ru.maxSurge, desired, true, 'spec.updateStrategy.rollingUpdate.maxSurge') > 0;
}

/** With surge, keep the oldest new and oldest old pod only while the new one is not ready. */
function excessWithSurge(running: Pod[], hash: string): Pod[] {
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  const extra: Pod[] = [];
  for (const p of running) {
    if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash && !oldestNew) oldestNew = p;
    else if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== hash && !oldestOld) oldestOld = p;
    else extra.push(p);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodReady(oldestNew))) extra.push(oldestOld);
  return extra;
}

/** What one node needs: podsShouldBeOnNode. */
export function podsShouldBeOnNode(node: Node, ds: DaemonSet, pods: Pod[], hash: string, surge: boolean): { create: boolean; delete: Pod[] } {
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const live = pods.filter((p) => !isTerminating(p));
  if (shouldRun && pods.length === 0) return { create: true, delete: [] };
  if (!shouldContinueRunning) return { create: false, delete: live };
  const finished = live.filter((p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
  const running = live.filter((p) => !finished.includes(p)).sort(byCreation);
  const extra = surge ? excessWithSurge(running, hash) : running.slice(1);
  return { create: false, delete: [...finished, ...extra] };
}

export function manageDaemonPods(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string): DaemonPlan {
  const byNode = podsByNode(pods);
  const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
  const surge = allowsSurge(ds, desired);
  const plan: DaemonPlan = { createOn: [], deletePods: [] };
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const r = podsShouldBeOnNode(node, ds, byNode.get(name) ?? [], hash, surge);
    if (r.create) plan.createOn.push(name);
    plan.deletePods.push(...r.delete);
    byNode.delete(name);
  }
  // Whatever is left targets a node that no longer exists (getUnscheduledPodsWithoutNode).
  for (const rest of byNode.values()) plan.deletePods.push(...rest.filter((p) => !isTerminating(p) && !p.spec?.nodeName));
  return plan;
}

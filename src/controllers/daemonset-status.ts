/**
 * DaemonSet status, pure, as upstream's updateDaemonSetStatus: per node that should run the pod,
 * its oldest daemon pod counts as scheduled, ready, available (minReadySeconds) and updated
 * (current revision hash); pods on nodes that should not run them are misscheduled.
 * `kubectl rollout status ds/x` reads updatedNumberScheduled, numberAvailable,
 * desiredNumberScheduled and observedGeneration.
 */
import type { DaemonSet, Node, Pod } from '../api/types.js';
import { CONTROLLER_REVISION_HASH, nodeShouldRunDaemonPod } from './daemon-pod.js';
import { byCreation, podsByNode } from './daemonset-manage.js';
import { isPodAvailable, isPodReady } from './pod-status.js';

export type DSStatus = NonNullable<DaemonSet['status']>;

export function calculateDaemonSetStatus(ds: DaemonSet, nodes: Node[], pods: Pod[], hash: string, now: number): DSStatus {
  const byNode = podsByNode(pods);
  let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  for (const node of nodes) {
    const onNode = [...(byNode.get(node.metadata?.name ?? '') ?? [])].sort(byCreation);
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (onNode.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (onNode.length === 0) continue;
    current++;
    const pod = onNode[0];
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now)) available++;
    }
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash) updated++;
  }
  const status: DSStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
  };
  if (ds.metadata?.generation !== undefined) status.observedGeneration = ds.metadata.generation;
  if (updated > 0) status.updatedNumberScheduled = updated;
  if (available > 0) status.numberAvailable = available;
  if (desired - available > 0) status.numberUnavailable = desired - available;
  if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
  if (ds.status?.conditions) status.conditions = ds.status.conditions;
  return status;
}

export function sameDaemonSetStatus(a: DSStatus | undefined, b: DSStatus): boolean {
  const f = (s: DSStatus | undefined) =>
    [
      s?.currentNumberScheduled ?? 0, s?.numberMisscheduled ?? 0, s?.desiredNumberScheduled ?? 0, s?.numberReady ?? 0,
      s?.observedGeneration ?? 0, s?.updatedNumberScheduled ?? 0, s?.numberAvailable ?? 0, s?.numberUnavailable ?? 0,
    ].join();
  return f(a) === f(b);
}

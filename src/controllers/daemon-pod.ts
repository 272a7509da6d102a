/**
 * A DaemonSet's pod for one node, as upstream's daemon controller builds it: the template, the
 * `controller-revision-hash` label, a required node affinity `metadata.name In [node]` that
 * replaces the template's terms (the scheduler then binds it there), and the tolerations every
 * daemon pod gets (util.AddOrUpdateDaemonPodTolerations). Also which node a pod targets and
 * whether a node should run the DaemonSet's pod (NodeShouldRunDaemonPod).
 *
 * Upstream names revisions by ControllerRevision objects, whose hash the label carries; podnet
 * serves no ControllerRevision, so the label is the hash of the pod template itself.
 */
import type { DaemonSet, Node, Pod } from '../api/types.js';
import { controllerRef } from './owners.js';
import { computeHash } from './pod-template-hash.js';
import { effectiveTaints, matchesNodeAffinity, type Toleration, toleratesTaint } from './scheduling.js';

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });

/** The tolerations added to every daemon pod; network-unavailable only with hostNetwork. */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const t = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (hostNetwork) t.push(exists('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  return t;
}

/** The template's tolerations, with each daemon toleration added unless an equal one is there. */
function withDaemonTolerations(own: Toleration[], hostNetwork: boolean): Toleration[] {
  const out = [...own];
  for (const t of daemonPodTolerations(hostNetwork)) {
    if (!out.some((o) => o.key === t.key && o.effect === t.effect && o.operator === t.operator)) out.push(t);
  }
  return out;
}

/** The revision hash of the DaemonSet's current template. */
export function daemonSetHash(ds: DaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

/** The pod the DaemonSet wants on `nodeName` (generateName `<ds>-`, controller reference). */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t = structuredClone(ds.spec?.template ?? {});
  const spec = t.spec ?? { containers: [] };
  const affinity = spec.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  spec.affinity = { ...affinity, nodeAffinity };
  spec.tolerations = withDaemonTolerations(spec.tolerations ?? [], spec.hostNetwork === true);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  };
}

/** The node a daemon pod is for: spec.nodeName once bound, else its metadata.name affinity term. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/**
 * NodeShouldRunDaemonPod: a node runs the pod when the template's nodeSelector and affinity
 * match and its taints (with condition taints) are tolerated; an untolerated NoSchedule taint
 * only stops new pods, an untolerated NoExecute one also evicts the running pod.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const pod = newDaemonPod(ds, node.metadata?.name ?? '', '');
  // The affinity term we add always matches; the template's own (and a nodeName) must too.
  const own: Pod = { spec: { ...(ds.spec?.template?.spec ?? { containers: [] }) } };
  const pinnedElsewhere = Boolean(own.spec?.nodeName) && own.spec?.nodeName !== node.metadata?.name;
  if (pinnedElsewhere || !matchesNodeAffinity(own, node)) return { shouldRun: false, shouldContinueRunning: false };
  let shouldRun = true;
  let shouldContinueRunning = true;
  for (const taint of effectiveTaints(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if ((pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, taint))) continue;
    shouldRun = false;
    if (taint.effect === 'NoExecute') shouldContinueRunning = false;
  }
  return { shouldRun, shouldContinueRunning };
}

/**
 * The scheduling decision, pure: filter nodes (NodeUnschedulable, NodeReady, TaintToleration,
 * NodeSelector), then score by fewest pods, ties broken by node name. Kept apart from the
 * scheduler's API plumbing so the table tests need no server.
 */
import type { Node, Pod } from '../api/types.js';

type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];
type Toleration = NonNullable<NonNullable<Pod['spec']>['tolerations']>[number];

export function nodeIsReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** As upstream's Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** Why `pod` cannot go to `node` (the scheduler's filter messages), or undefined if it fits. */
export function unfitReason(pod: Pod, node: Node): string | undefined {
  if (node.spec?.unschedulable) return 'node(s) were unschedulable';
  if (!nodeIsReady(node)) return 'node(s) were not ready';
  const tolerations = pod.spec?.tolerations ?? [];
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) {
      return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
    }
  }
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
  }
  return undefined;
}

export type ScheduleResult = { nodeName: string } | { unschedulable: string };

/**
 * Picks the fitting node with the fewest pods (`podCounts` by node name), ties by name; when none
 * fits, the message upstream writes into the PodScheduled condition.
 */
export function selectNode(pod: Pod, nodes: Node[], podCounts: Map<string, number>): ScheduleResult {
  const fit: string[] = [];
  const reasons = new Map<string, number>();
  for (const node of nodes) {
    const why = unfitReason(pod, node);
    if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
    else fit.push(node.metadata?.name ?? '');
  }
  if (nodes.length === 0) return { unschedulable: 'no nodes available to schedule pods' };
  if (fit.length === 0) {
    const parts = [...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([why, n]) => `${n} ${why}`);
    const tail = parts.length ? ` ${parts.join(', ')}.` : '';
    return { unschedulable: `0/${nodes.length} nodes are available:${tail}` };
  }
  fit.sort((a, b) => (podCounts.get(a) ?? 0) - (podCounts.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  return { nodeName: fit[0] };
}

/**
 * The scheduling decision, pure: filter nodes (NodeUnschedulable, NodeReady, TaintToleration,
 * NodeSelector), then score by fewest pods, ties broken by node name. Kept apart from the
 * scheduler's API plumbing so the table tests need no server.
 */
import type { Node, Pod } from '../api/types.js';

export type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];
export type Toleration = NonNullable<NonNullable<Pod['spec']>['tolerations']>[number];

export function nodeIsReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * The taints upstream's node lifecycle controller puts on nodes by condition (TaintNodesByCondition)
 * and the NodeUnschedulable plugin checks: podnet has no such controller, so the scheduler and the
 * DaemonSet controller read the conditions as these taints. A pod tolerating them may go there.
 */
export const NOT_READY_TAINT: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** The node's taints plus those its conditions stand for. */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  if (!nodeIsReady(node)) taints.push(NOT_READY_TAINT);
  if (node.spec?.unschedulable) taints.push(UNSCHEDULABLE_TAINT);
  return taints;
}

/** As upstream's Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** A host port a pod asks for (containers[].ports[].hostPort), as upstream's NodePorts plugin. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol ?? 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** Same port and protocol, and the same address or either one the wildcard. */
function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

/** Why `pod` cannot go to `node` (the scheduler's filter messages), or undefined if it fits. */
export function unfitReason(pod: Pod, node: Node, usedPorts: HostPort[] = [], podCount = 0): string | undefined {
  const tolerations = pod.spec?.tolerations ?? [];
  const tolerates = (taint: Taint) => tolerations.some((t) => toleratesTaint(t, taint));
  if (node.spec?.unschedulable && !tolerates(UNSCHEDULABLE_TAINT)) return 'node(s) were unschedulable';
  if (!nodeIsReady(node) && !tolerates(NOT_READY_TAINT)) return 'node(s) were not ready';
  const maxPods = Number(node.status?.allocatable?.pods ?? Infinity);
  if (podCount >= maxPods) return 'Too many pods';
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerates(taint)) {
      return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
    }
  }
  if (!matchesNodeAffinity(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
  const wanted = hostPortsOf(pod);
  if (wanted.some((w) => usedPorts.some((u) => portsConflict(w, u)))) return "node(s) didn't have free ports for the requested pod ports";
  return undefined;
}

/** nodeSelector and required node affinity, as upstream's NodeAffinity filter. */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const selectorOk = Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  return selectorOk && matchesRequiredAffinity(pod, node);
}

type NodeSelectorRequirement = { key: string; operator: string; values?: string[] };

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const has = value !== undefined;
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && vals.includes(value);
    case 'NotIn':
      return !has || !vals.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const a = Number(value);
      const b = Number(vals[0]);
      if (!has || !Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/**
 * requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed, the requirements of a term
 * ANDed (matchFields supports metadata.name only, as upstream).
 */
export function matchesRequiredAffinity(pod: Pod, node: Node): boolean {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  const labels = node.metadata?.labels ?? {};
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((r) => requirementMatches(r, labels[r.key])) &&
      fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata?.name));
  });
}

export type ScheduleResult = { nodeName: string } | { unschedulable: string };

/**
 * Picks the fitting node with the fewest pods (`podCounts` by node name), ties by name; when none
 * fits, the message upstream writes into the PodScheduled condition. `usedPorts` are the host
 * ports already taken on each node.
 */
export function selectNode(
  pod: Pod,
  nodes: Node[],
  podCounts: Map<string, number>,
  usedPorts: Map<string, HostPort[]> = new Map(),
): ScheduleResult {
  const fit: string[] = [];
  const reasons = new Map<string, number>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const why = unfitReason(pod, node, usedPorts.get(name), podCounts.get(name) ?? 0);
    if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
    else fit.push(name);
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

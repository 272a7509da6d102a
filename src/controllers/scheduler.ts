/**
 * kube-scheduler in miniature: binds every pending pod of the default scheduler to a node
 * (spec.nodeName), or marks it PodScheduled=False/Unschedulable. Binding is a patch of
 * spec.nodeName, which the apiserver accepts only while the pod is unscheduled.
 */
import type { Node, Pod, PodCondition } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { isTerminating, metaNow } from './owners.js';
import { type HostPort, hostPortsOf, selectNode } from './scheduling.js';

export const DEFAULT_SCHEDULER = 'default-scheduler';

const POD = { kind: 'Pod', apiVersion: 'v1' };
const BIND_CONCURRENCY = 16;

const isActive = (p: Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

export class Scheduler extends BaseController {
  /** Pods bound by us but not yet seen bound in the cache (upstream's "assumed" pods). */
  private readonly assumed = new Map<string, string>();

  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, 'default-scheduler', ['pods', 'nodes'], opts);
  }

  protected async sync(): Promise<void> {
    const pods = this.informers.get<Pod>('pods').list();
    const nodes = this.informers.get<Node>('nodes').list();
    const { counts, ports } = this.nodeUsage(pods);
    const pending = pods
      .filter((p) => !p.spec?.nodeName && !this.assumed.has(key(p)) && !isTerminating(p))
      .filter((p) => (p.spec?.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER && isActive(p))
      .sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
    // Decisions are taken one by one (each sees the earlier ones in `counts`); binds overlap.
    await this.forEach(pending, (pod) => this.schedulePod(pod, nodes, counts, ports), BIND_CONCURRENCY);
  }

  /** Pods and host ports per node, bound or assumed (upstream's scheduler cache NodeInfo). */
  private nodeUsage(pods: Pod[]): { counts: Map<string, number>; ports: Map<string, HostPort[]> } {
    const counts = new Map<string, number>();
    const ports = new Map<string, HostPort[]>();
    const seen = new Set<string>();
    for (const p of pods) {
      seen.add(key(p));
      const node = p.spec?.nodeName ?? this.assumed.get(key(p));
      if (p.spec?.nodeName) this.assumed.delete(key(p));
      if (!node || !isActive(p)) continue;
      counts.set(node, (counts.get(node) ?? 0) + 1);
      ports.set(node, [...(ports.get(node) ?? []), ...hostPortsOf(p)]);
    }
    for (const k of this.assumed.keys()) if (!seen.has(k)) this.assumed.delete(k);
    return { counts, ports };
  }

  private async schedulePod(pod: Pod, nodes: Node[], counts: Map<string, number>, ports: Map<string, HostPort[]>): Promise<void> {
    const result = selectNode(pod, nodes, counts, ports);
    if ('unschedulable' in result) return this.markUnschedulable(pod, result.unschedulable);
    const m = pod.metadata ?? {};
    // Assume before binding, as upstream's scheduler cache, so the next decision counts it.
    this.assumed.set(key(pod), result.nodeName);
    counts.set(result.nodeName, (counts.get(result.nodeName) ?? 0) + 1);
    const taken = ports.get(result.nodeName) ?? [];
    ports.set(result.nodeName, [...taken, ...hostPortsOf(pod)]);
    try {
      // The resourceVersion precondition makes the bind fail (409) if the pod changed meanwhile.
      await this.client.patch('pods', m.namespace, m.name ?? '', {
        metadata: { resourceVersion: m.resourceVersion },
        spec: { nodeName: result.nodeName },
      });
    } catch (e) {
      this.assumed.delete(key(pod));
      counts.set(result.nodeName, (counts.get(result.nodeName) ?? 1) - 1);
      ports.set(result.nodeName, taken);
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
    this.recorder.event(pod, POD, 'Normal', 'Scheduled', `Successfully assigned ${key(pod)} to ${result.nodeName}`);
    if (pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) await this.markScheduled(pod);
  }

  /** A pod once Unschedulable is now bound: flip its condition (upstream's binding does this). */
  private async markScheduled(pod: Pod): Promise<void> {
    const cond = { type: 'PodScheduled', status: 'True', lastTransitionTime: metaNow(), reason: null, message: null };
    try {
      await this.client.patch('pods', pod.metadata?.namespace, pod.metadata?.name ?? '', { status: { conditions: [cond] } }, 'strategic', 'status');
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (old?.status === 'False' && old.reason === 'Unschedulable' && old.message === message) return;
    this.recorder.event(pod, POD, 'Warning', 'FailedScheduling', message);
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: metaNow(),
    };
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond];
    try {
      await this.client.updateStatus('pods', { ...pod, status: { ...pod.status, phase: pod.status?.phase ?? 'Pending', conditions } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

function key(p: Pod): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}

/**
 * The pod garbage collector, as upstream's PodGCController (gcOrphaned): a pod bound to a node
 * that no longer exists has no kubelet to finish it, so once the node has been missing for a
 * quarantine period (and a GET confirms it) the pod is force-deleted (grace period 0), so that
 * nothing stays Terminating forever and its controller's replacement is the only pod left.
 */
import type { KubeObject, Node, Pod } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';

export interface PodGCOptions extends ControllerOptions {
  /** How long a node must be missing before its pods go; default 40 s as upstream. */
  quarantineMs?: number;
}

export class PodGCController extends BaseController {
  private readonly quarantineMs: number;
  /** Node names seen missing, and since when. */
  private readonly missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(client: Client, opts: PodGCOptions = {}) {
    super(client, 'pod-garbage-collector', ['pods', 'nodes'], opts);
    this.quarantineMs = opts.quarantineMs ?? 40_000;
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.timer);
  }

  /** A pod matters when its node binding changes; a node only when it comes or goes. */
  protected override relevantUpdate(plural: string, o: KubeObject, n: KubeObject): boolean {
    return plural === 'pods' && (o as Pod).spec?.nodeName !== (n as Pod).spec?.nodeName;
  }

  protected async sync(): Promise<void> {
    const nodes = new Set(this.informers.get<Node>('nodes').list().map((n) => n.metadata?.name ?? ''));
    const now = Date.now();
    const orphans = new Map<string, Pod[]>();
    for (const pod of this.informers.get<Pod>('pods').list()) {
      const node = pod.spec?.nodeName;
      if (!node || nodes.has(node)) continue;
      orphans.set(node, [...(orphans.get(node) ?? []), pod]);
    }
    for (const name of this.missingSince.keys()) if (!orphans.has(name)) this.missingSince.delete(name);
    const due: Pod[] = [];
    for (const [node, pods] of orphans) {
      const since = this.missingSince.get(node) ?? now;
      this.missingSince.set(node, since);
      if (now - since >= this.quarantineMs && (await this.nodeGone(node))) due.push(...pods);
    }
    await this.forEach(due, (pod) => this.forceDelete(pod));
    this.wakeAtQuarantineEnd(now);
  }

  private async nodeGone(name: string): Promise<boolean> {
    try {
      await this.client.get('nodes', undefined, name);
      return false;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }

  private async forceDelete(pod: Pod): Promise<void> {
    const m = pod.metadata ?? {};
    try {
      await this.client.delete('pods', m.namespace, m.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: m.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** Pods still in quarantine are looked at again when it ends, not only at the next resync. */
  private wakeAtQuarantineEnd(now: number): void {
    clearTimeout(this.timer);
    const ends = [...this.missingSince.values()].map((since) => since + this.quarantineMs).filter((t) => t > now);
    if (ends.length === 0) return;
    this.timer = setTimeout(() => this.runner.run(), Math.min(...ends) - now + 50);
    this.timer.unref();
  }
}

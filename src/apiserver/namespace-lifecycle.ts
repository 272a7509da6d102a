/**
 * Namespace termination, the work of upstream's namespace controller done inside the apiserver:
 * once a namespace is marked Terminating, delete everything in it (pods gracefully), and when
 * nothing is left, remove the namespace itself.
 */
import { RESOURCES, resourceByPlural, storeKey } from '../api/resources.js';
import { deleteObject } from './delete.js';
import type { Registry } from './registry.js';

const NAMESPACES = resourceByPlural('namespaces', '')!;
const POLL_MS = 500;

export class NamespaceLifecycle {
  private readonly active = new Set<string>();
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly reg: Registry) {}

  /** Starts (or continues) finalizing a Terminating namespace. */
  finalize(ns: string): void {
    if (this.stopped || this.active.has(ns)) return;
    this.active.add(ns);
    void this.step(ns);
  }

  /** Resumes namespaces left Terminating by a previous run. */
  async resume(): Promise<void> {
    const { items } = await this.reg.list(NAMESPACES, undefined);
    for (const n of items) if (n.metadata?.deletionTimestamp) this.finalize(n.metadata.name!);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async step(ns: string): Promise<void> {
    if (this.stopped) return;
    try {
      if (await this.deleteContents(ns)) {
        const kv = await this.reg.store.get(storeKey(NAMESPACES, undefined, ns));
        if (kv) await this.reg.remove(NAMESPACES, kv);
        if (!kv || !(await this.reg.store.get(kv.key))) {
          this.active.delete(ns);
          return;
        }
      }
    } catch {
      // Retried on the next step: a conflict or a transient store error must not stop termination.
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.step(ns);
    }, POLL_MS);
    this.timers.add(t);
  }

  /** Deletes what is left; true when the namespace is empty. */
  private async deleteContents(ns: string): Promise<boolean> {
    let empty = true;
    for (const info of RESOURCES) {
      if (!info.namespaced) continue;
      const { items } = await this.reg.list(info, ns);
      for (const obj of items) {
        empty = false;
        if (obj.metadata?.deletionTimestamp) continue; // already going (grace period or finalizers)
        await deleteObject(this.reg, info, ns, obj.metadata!.name!, {}).catch(() => undefined);
      }
    }
    return empty;
  }
}

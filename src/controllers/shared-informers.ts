/**
 * One informer per resource, shared by every controller of a process, as client-go's
 * SharedInformerFactory: the controller-manager keeps a single pod cache, not one per controller.
 */
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';

export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly starting = new Map<string, Promise<void>>();

  constructor(private readonly client: Client) {}

  /** The informer for `plural` (e.g. `pods`), created on first use. */
  get<T extends KubeObject>(plural: string): Informer<T> {
    let inf = this.informers.get(plural);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client, plural, { retryDelayMs: 500 });
      this.informers.set(plural, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Starts (once) and waits for the initial list of each named resource. */
  async start(...plurals: string[]): Promise<void> {
    await Promise.all(
      plurals.map((p) => {
        let s = this.starting.get(p);
        if (!s) {
          s = this.get(p).start();
          this.starting.set(p, s);
        }
        return s;
      }),
    );
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}

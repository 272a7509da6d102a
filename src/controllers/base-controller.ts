/**
 * The shape every podnet controller shares: informers feed a BoundedFrequencyRunner, whose sync
 * recomputes the whole desired state from the caches (level-triggered) and writes only the
 * differences through the client.
 */
import type { KubeObject } from '../api/types.js';
import { type Client, isConflict } from '../client/client.js';
import type { Disposable } from '../client/informer.js';
import { BoundedFrequencyRunner } from '../util/runner.js';
import { type EventRecorder, eventRecorder, noEvents } from './events.js';
import { SharedInformers } from './shared-informers.js';

export interface ControllerOptions {
  /** Informers shared with other controllers; a private set is made when absent. */
  informers?: SharedInformers;
  /** Minimum interval between two syncs, ms (default 10). */
  minIntervalMs?: number;
  /** Periodic resync, ms (default 30000). */
  resyncMs?: number;
  /** Record Events for decisions (default true). */
  events?: boolean;
}

export abstract class BaseController {
  protected readonly informers: SharedInformers;
  private readonly ownsInformers: boolean;
  protected readonly runner: BoundedFrequencyRunner;
  protected readonly recorder: EventRecorder;
  private readonly subscriptions: Disposable[] = [];

  constructor(
    protected readonly client: Client,
    readonly name: string,
    /** The resources whose changes trigger a sync. */
    private readonly watched: string[],
    opts: ControllerOptions = {},
  ) {
    this.ownsInformers = !opts.informers;
    this.informers = opts.informers ?? new SharedInformers(client);
    this.recorder = opts.events === false ? noEvents : eventRecorder(client, name);
    this.runner = new BoundedFrequencyRunner(() => this.sync(), {
      name,
      minIntervalMs: opts.minIntervalMs ?? 10,
      maxIntervalMs: opts.resyncMs ?? 30_000,
      retryIntervalMs: 500,
      onError: (e) => console.error(`${name}: sync failed: ${e instanceof Error ? e.message : String(e)}`),
    });
  }

  /** Starts the informers, waits for their caches, then runs the first sync. */
  async start(): Promise<void> {
    await this.informers.start(...this.watched);
    for (const plural of this.watched) {
      const kick = {
        add: () => this.runner.run(),
        update: (o: KubeObject, n: KubeObject) => {
          if (this.relevantUpdate(plural, o, n)) this.runner.run();
        },
        delete: () => this.runner.run(),
      };
      this.subscriptions.push(this.informers.get(plural).on(kick));
    }
    this.runner.start();
  }

  stop(): void {
    this.runner.stop();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    if (this.ownsInformers) this.informers.stop();
  }

  /** Resolves once no sync is running or queued (tests). */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** Whether an update of a `plural` object can change what a sync does (default: always). */
  protected relevantUpdate(_plural: string, _old: KubeObject, _new: KubeObject): boolean {
    return true;
  }

  /** One level-triggered pass over everything this controller owns. */
  protected abstract sync(): Promise<void>;

  /**
   * Runs `fn` for each item, at most `limit` at a time, so that one failing object does not
   * block the others; rethrows the first error afterwards so the runner retries. Items start in
   * order, so the synchronous part of `fn` (a decision) sees the effects of the earlier ones.
   */
  protected async forEach<T>(items: T[], fn: (item: T) => Promise<void>, limit = 1): Promise<void> {
    let first: unknown;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const item = items[next++];
        try {
          await fn(item);
        } catch (e) {
          // A conflict means our cache is behind: the watch event on its way triggers a new sync.
          if (isConflict(e)) this.runner.run();
          else first ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    if (first !== undefined) throw first;
  }
}

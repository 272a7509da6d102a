/**
 * Informer: LIST then WATCH one resource, keep a local cache (the "indexer" of client-go) and
 * tell handlers about adds, updates and deletes. Reconnects from the last resourceVersion when
 * the server closes the stream, and relists (diffing against the cache) on 410 Gone.
 */
import { type KubeObject, objectKey } from '../api/types.js';
import type { Status } from '../api/types.js';
import { ApiError, type Client, type ResourceRef, type Watch, type WatchEvent, isGone } from './client.js';

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Slims each object as it enters the cache (narrow readers, slim records). */
  transform?: (obj: T) => T;
  /** Delay before re-watching after an error, ms. */
  retryDelayMs?: number;
  /**
   * Told about list/watch failures other than 410 Gone (an expected relist). Default: a warning
   * on stderr, repeated only when the message changes, so a 401 or an unreachable API is visible.
   */
  onError?: (e: unknown) => void;
}

export interface EventHandler<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface Disposable {
  dispose(): void;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<EventHandler<T>>();
  private resourceVersion = '';
  private synced = false;
  private stopped = false;
  private watch: Watch | undefined;
  private syncWaiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError = '';

  constructor(
    private readonly client: Client,
    private readonly resource: ResourceRef,
    private readonly opts: InformerOptions<T> = {},
  ) {}

  /** Registers a handler; existing cache entries are replayed to it as adds. */
  on(handler: EventHandler<T>): Disposable {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.cache.values()) handler.add?.(obj);
    return { dispose: () => this.handlers.delete(handler) };
  }

  /** Starts list+watch; resolves once the initial list is in the cache. */
  start(): Promise<void> {
    void this.run();
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.watch?.stop();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Looks up by `namespace/name` (or `name` for cluster-scoped objects). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        // stop() may have come while the list was in flight: start no watch that nobody ends.
        if (this.stopped) return;
        await this.watchOnce();
      } catch (e) {
        if (this.stopped) return;
        if (isGone(e)) this.resourceVersion = '';
        else this.reportError(e);
        await new Promise<void>((r) => {
          this.retryTimer = setTimeout(r, this.opts.retryDelayMs ?? 1000);
        });
      }
    }
  }

  private async relist(): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.opts;
    const list = await this.client.list<T>(this.resource, namespace, { labelSelector, fieldSelector });
    const fresh = new Map<string, T>();
    for (const raw of list.items) {
      const obj = this.slim(raw);
      fresh.set(objectKey(obj), obj);
    }
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emit((h) => h.delete?.(old));
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emit((h) => h.add?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.update?.(old, obj));
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.opts;
    let gone: unknown;
    this.watch = this.client.watch<T>(
      this.resource,
      namespace,
      { resourceVersion: this.resourceVersion, labelSelector, fieldSelector, allowWatchBookmarks: true },
      (ev) => {
        try {
          this.handle(ev);
        } catch (e) {
          gone = e;
          this.watch?.stop();
        }
      },
    );
    await this.watch.done;
    if (gone) throw gone;
  }

  private handle(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      const st = ev.object as unknown as Status;
      throw new ApiError(st.code ?? 0, st.reason ?? '', st, `informer: Watch error: ${st.message ?? JSON.stringify(st)}`);
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = this.slim(ev.object);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (ev.type === 'DELETED') {
      this.cache.delete(key);
      this.emit((h) => h.delete?.(old ?? obj));
    } else {
      this.cache.set(key, obj);
      if (old) this.emit((h) => h.update?.(old, obj));
      else this.emit((h) => h.add?.(obj));
    }
    if (rv) this.resourceVersion = rv;
  }

  private reportError(e: unknown): void {
    if (this.opts.onError) return this.opts.onError(e);
    const msg = (e as Error).message ?? String(e);
    if (msg === this.lastError) return;
    this.lastError = msg;
    console.warn(`informer: list/watch of ${typeof this.resource === 'string' ? this.resource : this.resource.plural} failed (retrying): ${msg}`);
  }

  private slim(obj: T): T {
    return this.opts.transform ? this.opts.transform(obj) : obj;
  }

  private emit(fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (e) {
        // A handler's bug must not break the watch loop of every other handler.
        console.error('informer: handler failed:', e);
      }
    }
  }
}

// Re-exported for consumers that only need the informer module.
export { isGone };

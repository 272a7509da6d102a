/**
 * The watch cache (upstream's cacher): one store watch over /registry/ feeds every API watcher.
 * It keeps a window of recent events so a watch from resourceVersion N replays what followed N;
 * each event is decoded once and its JSON line encoded once per event type.
 */
import type { Disposable, Store, StoreEvent } from '../store/store.js';
import { type Obj, decodeFromStore } from './codec.js';
import { expired } from './status.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export class CacheEvent {
  private readonly lines = new Map<string, string>();

  constructor(
    readonly revision: number,
    readonly key: string,
    readonly type: WatchEventType,
    /** The object after the event (for DELETED: its last state, resourceVersion = the delete's). */
    readonly obj: Obj,
    /** The object before the event (MODIFIED and DELETED). */
    readonly prevObj: Obj | undefined,
  ) {}

  /** `{"type":...,"object":...}\n`, encoded once per type and shared by every watcher. */
  line(type: WatchEventType | 'BOOKMARK' = this.type): string {
    let l = this.lines.get(type);
    if (l === undefined) {
      l = `{"type":"${type}","object":${JSON.stringify(this.obj)}}\n`;
      this.lines.set(type, l);
    }
    return l;
  }
}

function toCacheEvent(ev: StoreEvent): CacheEvent {
  if (ev.type === 'delete') {
    const prev = ev.prevKv ? decodeFromStore(ev.prevKv) : undefined;
    return new CacheEvent(ev.revision, ev.kv.key, 'DELETED', decodeFromStore(ev.kv, ev.revision), prev);
  }
  const prev = ev.prevKv ? decodeFromStore(ev.prevKv) : undefined;
  return new CacheEvent(ev.revision, ev.kv.key, prev ? 'MODIFIED' : 'ADDED', decodeFromStore(ev.kv), prev);
}

/** One watcher's failure must not stop delivery to the others; that watcher is dropped. */
function deliver(s: Subscriber, ev: CacheEvent): void {
  try {
    s.onEvent(ev);
  } catch {
    s.onEvent = () => {};
  }
}

interface Subscriber {
  prefix: string;
  after: number;
  onEvent: (ev: CacheEvent) => void;
  onTerminate?: () => void;
}

export interface WatchCacheOptions {
  /** Events kept for replay (upstream keeps at least 75 s; we keep a count). */
  capacity?: number;
}

export class WatchCache {
  private readonly events: CacheEvent[] = [];
  /** Every event with a revision > this is in `events` (or still to arrive). */
  private oldest = 0;
  private latest = 0;
  private readonly subscribers = new Set<Subscriber>();
  private storeWatch: Disposable | undefined;
  private stopped = false;
  private readonly capacity: number;

  constructor(
    private readonly store: Store,
    opts: WatchCacheOptions = {},
  ) {
    this.capacity = opts.capacity ?? 10000;
  }

  /** Starts following the store, replaying recent history so old resourceVersions stay watchable. */
  async start(): Promise<void> {
    const current = await this.store.currentRevision();
    const compacted = await this.store.compactRevision();
    const from = Math.max(compacted, current - this.capacity + 1, 1);
    this.oldest = from - 1;
    this.latest = current;
    this.follow(from);
  }

  private follow(from: number): void {
    this.storeWatch = this.store.watch('/registry/', from, (evs) => this.onStoreEvents(evs), (err) => void this.reinitialize(err));
  }

  /**
   * The store watch broke (e.g. etcd cancelled it after a compaction): events may be missing, so,
   * as upstream's cacher, end every watcher (clients re-watch, and get 410 and relist when their
   * resourceVersion is older than the new window) and follow the store again from now.
   */
  private async reinitialize(err: Error): Promise<void> {
    if (this.stopped) return;
    console.error(`apiserver: watch cache: store watch failed (${err.message}); terminating watchers and restarting`);
    this.storeWatch?.dispose();
    this.storeWatch = undefined;
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subs) s.onTerminate?.();
    try {
      const current = await this.store.currentRevision();
      this.events.length = 0;
      this.oldest = current;
      this.latest = Math.max(this.latest, current);
      this.follow(current + 1);
    } catch (e) {
      setTimeout(() => void this.reinitialize(e as Error), 1000).unref();
    }
  }

  stop(): void {
    this.stopped = true;
    this.storeWatch?.dispose();
    this.subscribers.clear();
  }

  /** The newest revision the cache has seen (for bookmarks). */
  get revision(): number {
    return this.latest;
  }

  /**
   * Subscribes to events under `prefix` with revision > after, replaying buffered ones first.
   * Throws 410 Expired when `after` is older than the window.
   */
  subscribe(prefix: string, after: number, onEvent: (ev: CacheEvent) => void, onTerminate?: () => void): Disposable {
    if (after < this.oldest) throw expired(`too old resource version: ${after} (${this.oldest + 1})`);
    const sub: Subscriber = { prefix, after, onEvent, onTerminate };
    for (const ev of this.events) if (ev.revision > after && ev.key.startsWith(prefix)) deliver(sub, ev);
    this.subscribers.add(sub);
    return { dispose: () => this.subscribers.delete(sub) };
  }

  private onStoreEvents(evs: StoreEvent[]): void {
    for (const sev of evs) {
      const ev = toCacheEvent(sev);
      this.events.push(ev);
      if (ev.revision > this.latest) this.latest = ev.revision;
      for (const s of this.subscribers) if (ev.revision > s.after && ev.key.startsWith(s.prefix)) deliver(s, ev);
    }
    if (this.events.length > this.capacity) {
      const drop = this.events.splice(0, this.events.length - this.capacity);
      this.oldest = drop[drop.length - 1].revision;
    }
  }
}

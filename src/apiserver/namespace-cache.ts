/**
 * The namespaces as the watch cache last saw them: what upstream's NamespaceLifecycle admission
 * reads through its informer, so that a create does not pay a store read of its namespace (on
 * etcd a linearizable read, which waits behind pending writes). A namespace missing here is
 * still looked up live by the caller, as upstream does, since it may be newer than the cache.
 */
import type { Disposable, Store } from '../store/store.js';
import { type Obj, decodeFromStore } from './codec.js';
import type { WatchCache } from './watch-cache.js';

const PREFIX = '/registry/namespaces/';

interface Entry {
  /** Absent for a namespace known to be deleted (a tombstone, so older events cannot revive it). */
  obj?: Obj;
  revision: number;
}

export class NamespaceCache {
  private readonly byName = new Map<string, Entry>();
  private sub: Disposable | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly cache: WatchCache,
  ) {}

  /** Lists the namespaces, then follows their events from the list's revision. */
  async start(): Promise<void> {
    const list = await this.store.range(PREFIX);
    this.byName.clear();
    for (const kv of list.kvs) this.observe(kv.key.slice(PREFIX.length), decodeFromStore(kv), kv.modRevision);
    if (this.stopped) return;
    this.sub = this.cache.subscribe(
      PREFIX,
      list.revision,
      (ev) => this.observe(ev.key.slice(PREFIX.length), ev.type === 'DELETED' ? undefined : ev.obj, ev.revision),

      // The watch cache restarted: our view may have missed events, so list again.
      () => void this.start().catch(() => this.byName.clear()),
    );
  }

  get(name: string): Obj | undefined {
    return this.byName.get(name)?.obj;
  }

  /**
   * Records a namespace's state at a revision (undefined: deleted), ignoring anything older than
   * what is known. The apiserver's own writes call it at once, so a create right after a
   * namespace write never sees the namespace older than that write.
   */
  observe(name: string, obj: Obj | undefined, revision: number): void {
    const known = this.byName.get(name);
    if (known && known.revision >= revision) return;
    this.byName.set(name, { obj, revision });
  }

  stop(): void {
    this.stopped = true;
    this.sub?.dispose();
  }
}

/**
 * MemoryStore: the in-memory twin of SqliteStore (tests, throwaway clusters). An event log in
 * revision order plus a map of live keys; historical reads replay the log.
 */
import {
  CompactedError,
  type Disposable,
  type KeyValue,
  type RangeOptions,
  type RangeResult,
  type Store,
  type StoreEvent,
  type WriteResult,
} from './store.js';
import { WatchHub } from './watch-hub.js';

export class MemoryStore implements Store {
  private readonly live = new Map<string, KeyValue>();
  private log: StoreEvent[] = [];
  private rev = 0;
  private compacted = 0;
  private readonly hub = new WatchHub();

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const at = opts.revision;
    if (!at || at >= this.rev) return this.live.get(key);
    this.checkCompacted(at);
    for (let i = this.log.length - 1; i >= 0; i--) {
      const ev = this.log[i];
      if (ev.revision > at || ev.kv.key !== key) continue;
      return ev.type === 'put' ? ev.kv : undefined;
    }
    return undefined;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const at = opts.revision && opts.revision < this.rev ? opts.revision : this.rev;
    if (at < this.rev) this.checkCompacted(at);
    const source = at === this.rev ? this.live : this.snapshot(prefix, at);
    const start = opts.startKey ?? prefix;
    const keys = [...source.keys()].filter((k) => k.startsWith(prefix) && k >= start).sort();
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length;
    return { kvs: keys.slice(0, limit).map((k) => source.get(k)!), revision: at, more: keys.length > limit };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    const cur = this.live.get(key);
    if (cur) return { ok: false, revision: this.rev, kv: cur };
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev, version: 1 };
    this.commit({ type: 'put', kv, revision: rev });
    return { ok: true, revision: rev, kv };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    const cur = this.live.get(key);
    if (!cur || cur.modRevision !== expectedModRevision) return { ok: false, revision: this.rev, kv: cur };
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: cur.createRevision, modRevision: rev, version: cur.version + 1 };
    this.commit({ type: 'put', kv, prevKv: cur, revision: rev });
    return { ok: true, revision: rev, kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    const cur = this.live.get(key);
    if (!cur || (expectedModRevision !== undefined && cur.modRevision !== expectedModRevision)) {
      return { ok: false, revision: this.rev, kv: cur };
    }
    const rev = ++this.rev;
    this.commit({ type: 'delete', kv: { ...cur, modRevision: rev }, prevKv: cur, revision: rev });
    return { ok: true, revision: rev, kv: cur };
  }

  watch(prefix: string, fromRevision: number, onEvents: (events: StoreEvent[]) => void): Disposable {
    if (fromRevision > 0) this.checkCompacted(fromRevision);
    const replay = fromRevision > 0 ? this.log.filter((e) => e.revision >= fromRevision && e.kv.key.startsWith(prefix)) : [];
    return this.hub.add(prefix, replay, onEvents);
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, this.rev);
    if (target <= this.compacted) return;
    // Keep, for each key, the last event before the target (its value as of the target).
    const lastBefore = new Map<string, StoreEvent>();
    for (const ev of this.log) if (ev.revision < target) lastBefore.set(ev.kv.key, ev);
    const keep = new Set([...lastBefore.values()].filter((e) => e.type === 'put'));
    this.log = this.log.filter((e) => e.revision >= target || keep.has(e));
    this.compacted = target;
  }

  async close(): Promise<void> {
    this.hub.closeAll();
  }

  private commit(ev: StoreEvent): void {
    if (ev.type === 'put') this.live.set(ev.kv.key, ev.kv);
    else this.live.delete(ev.kv.key);
    this.log.push(ev);
    this.hub.publish([ev]);
  }

  private snapshot(prefix: string, at: number): Map<string, KeyValue> {
    const m = new Map<string, KeyValue>();
    for (const ev of this.log) {
      if (ev.revision > at) break;
      if (!ev.kv.key.startsWith(prefix)) continue;
      if (ev.type === 'put') m.set(ev.kv.key, ev.kv);
      else m.delete(ev.kv.key);
    }
    return m;
  }

  private checkCompacted(revision: number): void {
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
  }
}

/**
 * EtcdStore: the Store on a real etcd v3 server (the `etcd3` gRPC client). etcd's revisions ARE
 * the store's revisions (createRevision, modRevision, version come from etcd's KeyValues); the
 * writes are kube-apiserver's three txn shapes; watches are etcd watches with prev_kv.
 *
 * Keys live under an optional prefix (`/podnet/<cluster>`), so clusters and tests can share one
 * etcd as kube-apiserver's --etcd-prefix allows; the revision is etcd's global one, so a prefix
 * sees gaps in its revisions where others wrote.
 *
 * The compact revision is probed and remembered (etcd-compaction.ts), so that watch() refuses a
 * compacted revision synchronously, like the other backends.
 */
import { Etcd3, type ICompare, type IRequestOp, type ITxnResponse } from 'etcd3';
import { EtcdKeys, isEtcdCompacted, isEtcdFutureRevision } from './etcd-codec.js';
import { EtcdWatch } from './etcd-watch.js';
import { etcdCompactTarget, findEtcdCompactRevision, storeCompactRevision } from './etcd-compaction.js';
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

export interface EtcdStoreOptions {
  /** Client URLs, `http://127.0.0.1:2379` (https:// uses the system's CAs). */
  endpoints: string[];
  /** Key prefix, e.g. `/podnet/<cluster>`; '' (default) stores `/registry/...` as is. */
  prefix?: string;
  /** Deadline of each unary call (default 10 s), so an unreachable etcd fails requests, not hangs them. */
  callTimeoutMs?: number;
}

/** A key no Store key can be (Store keys start with '/'): cheap reads that only want a header. */
const PROBE_KEY = '\u0000podnet-probe';

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly keys: EtcdKeys;
  /** The highest revision any response has shown (a lower bound of etcd's current revision). */
  private seen = 0;
  /** etcd's own compact revision as last learned (never above the real one; 0 = none). */
  private etcdCompacted = 0;
  private readonly watches = new Set<Disposable>();

  private constructor(opts: EtcdStoreOptions) {
    if (!opts.endpoints.length) throw new Error('store: Cannot open etcd store: no endpoints');
    for (const e of opts.endpoints) {
      if (!/^https?:\/\/[^/]+\/?$/.test(e)) throw new Error(`store: Cannot use etcd endpoint "${e}": want http(s)://host:port`);
    }
    const timeout = opts.callTimeoutMs ?? 10_000;
    this.client = new Etcd3({
      hosts: opts.endpoints.map((e) => e.replace(/\/$/, '')),
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
      // gRPC's default 4 MiB receive limit would fail a list of a few thousand pods;
      // kube-apiserver's etcd client lifts it the same way (MaxCallRecvMsgSize).
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
    });
    this.keys = new EtcdKeys(opts.prefix ?? '');
  }

  /** Connects (one read, so a wrong endpoint fails here) and learns the compact revision. */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(opts);
    try {
      await store.compactRevision();
    } catch (e) {
      await store.client.close();
      throw new Error(`store: Cannot reach etcd at ${opts.endpoints.join(',')}: ${(e as Error).message}`);
    }
    return store;
  }

  async currentRevision(): Promise<number> {
    return this.readAt(PROBE_KEY, 0).then((r) => r.revision);
  }

  async compactRevision(): Promise<number> {
    const found = await findEtcdCompactRevision(this.etcdCompacted, (r) => this.readable(r), () => this.currentRevision());
    this.etcdCompacted = Math.max(this.etcdCompacted, found);
    return this.compacted;
  }

  private get compacted(): number {
    return storeCompactRevision(this.etcdCompacted);
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const r = await this.readAt(key, opts.revision ?? 0);
    return r.kvs[0];
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const r = await this.readAt(prefix, opts.revision ?? 0, { startKey: opts.startKey, limit });
    return { kvs: r.kvs, revision: r.revision, more: r.more };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    const k = this.keys.key(key);
    const res = await this.txn(
      [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      [{ request_put: { key: k, value: Buffer.from(value) } }],
      [{ request_range: { key: k } }],
    );
    const revision = Number(res.header.revision);
    if (!res.succeeded) return { ok: false, revision, kv: this.firstKv(res) };
    return { ok: true, revision, kv: { key, value, createRevision: revision, modRevision: revision, version: 1 } };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    const k = this.keys.key(key);
    const res = await this.txn(
      [this.exists(k), { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
      [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      [{ request_range: { key: k } }],
    );
    const revision = Number(res.header.revision);
    if (!res.succeeded) return { ok: false, revision, kv: this.firstKv(res) };
    const prev = this.keys.toKeyValue(res.responses[0].response_put.prev_kv);
    return { ok: true, revision, kv: { key, value, createRevision: prev.createRevision, modRevision: revision, version: prev.version + 1 } };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    const k = this.keys.key(key);
    const compare: ICompare[] = [this.exists(k)];
    if (expectedModRevision !== undefined) compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision });
    const res = await this.txn(compare, [{ request_delete_range: { key: k, prev_kv: true } }], [{ request_range: { key: k } }]);
    const revision = Number(res.header.revision);
    if (!res.succeeded) return { ok: false, revision, kv: this.firstKv(res) };
    const prev = res.responses[0].response_delete_range.prev_kvs[0];
    return { ok: true, revision, kv: prev ? this.keys.toKeyValue(prev) : undefined };
  }

  /**
   * fromRevision 0 means "after what this store has seen": etcd's own default (after its current
   * revision when the watch registers) could miss a write this process made just after calling.
   * An etcd that compacts past a broken watch's resume point cancels it: onError then gets a
   * CompactedError and the watch is over.
   */
  watch(prefix: string, fromRevision: number, onEvents: (events: StoreEvent[]) => void, onError?: (err: Error) => void): Disposable {
    if (fromRevision > 0 && fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    const startRevision = fromRevision > 0 ? fromRevision : this.seen + 1;
    const w = new EtcdWatch({
      client: this.client,
      keys: this.keys,
      prefix,
      startRevision,
      onEvents,
      onCancel: (err, next) => {
        this.watches.delete(w);
        void this.watchFailure(err, next).then((e) => (onError ? onError(e) : console.error(`store: etcd watch on "${prefix}" ended: ${e.message}`)));
      },
    });
    this.watches.add(w);
    return {
      dispose: () => {
        this.watches.delete(w);
        w.dispose();
      },
    };
  }

  async compact(revision: number): Promise<void> {
    const target = etcdCompactTarget(Math.min(revision, await this.currentRevision()));
    if (target <= Math.max(this.etcdCompacted, 1)) return;
    try {
      await this.client.kv.compact({ revision: target });
      this.etcdCompacted = Math.max(this.etcdCompacted, target);
    } catch (e) {
      if (!isEtcdCompacted(e)) throw e;
      await this.compactRevision(); // another client compacted further: learn where
    }
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.dispose();
    this.watches.clear();
    this.client.close();
  }

  /** A read of one key, or of the keys under a prefix when `range` is given, at a revision (0 = now). */
  private async readAt(key: string, revision: number, range?: { startKey?: string; limit: number }): Promise<RangeResult> {
    const req = range ? { ...this.keys.range(key, range.startKey), limit: range.limit } : { key: this.keys.key(key) };
    try {
      const res = await this.client.kv.range({ ...req, revision });
      const header = this.observe(res.header.revision);
      return { kvs: res.kvs.map((kv) => this.keys.toKeyValue(kv)), revision: revision > 0 ? Math.min(revision, header) : header, more: res.more };
    } catch (e) {
      // As the other backends: a revision at or past the newest reads the newest.
      if (isEtcdFutureRevision(e)) return this.readAt(key, 0, range);
      if (isEtcdCompacted(e)) throw new CompactedError(revision, await this.compactRevision());
      throw e;
    }
  }

  private async readable(revision: number): Promise<boolean> {
    try {
      const res = await this.client.kv.range({ key: this.keys.key(PROBE_KEY), revision });
      this.observe(res.header.revision);
      return true;
    } catch (e) {
      if (isEtcdCompacted(e)) return false;
      if (isEtcdFutureRevision(e)) return true;
      throw e;
    }
  }

  private async txn(compare: ICompare[], success: IRequestOp[], failure: IRequestOp[]): Promise<ITxnResponse> {
    const res = await this.client.kv.txn({ compare, success, failure });
    this.observe(res.header.revision);
    return res;
  }

  private exists(key: Buffer): ICompare {
    return { key, target: 'Version', result: 'Greater', version: 0 };
  }

  private firstKv(res: ITxnResponse): KeyValue | undefined {
    const kv = res.responses[0]?.response_range?.kvs[0];
    return kv ? this.keys.toKeyValue(kv) : undefined;
  }

  private observe(revision: string): number {
    const r = Number(revision);
    if (r > this.seen) this.seen = r;
    return r;
  }

  private async watchFailure(err: Error, next: number): Promise<Error> {
    const compacted = await this.compactRevision().catch(() => this.compacted);
    return next < compacted ? new CompactedError(next, compacted) : err;
  }
}

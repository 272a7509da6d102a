/**
 * The revisioned key-value store, etcd's model: one global revision incremented by every write;
 * each key carries createRevision, modRevision and version; reads may be historical; writes are
 * conditional on a key's modRevision (kube-apiserver's three txn shapes); watches replay from any
 * revision not yet compacted and carry the previous value on deletes.
 */

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this incarnation of the key. */
  createRevision: number;
  /** Revision of the last write to the key (its resourceVersion). */
  modRevision: number;
  /** Number of writes since creation (1 after create). */
  version: number;
}

export interface StoreEvent {
  type: 'put' | 'delete';
  /** For a put: the new value. For a delete: the deleted value, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event (absent for a create). */
  prevKv?: KeyValue;
  /** Revision of the event. */
  revision: number;
}

export interface RangeOptions {
  /** Read as of this revision (default: current). Throws CompactedError below the compact revision. */
  revision?: number;
  /** At most this many keys; `more` says whether others follow. */
  limit?: number;
  /** Start at this key (inclusive), for paging. */
  startKey?: string;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The revision the read was served at. */
  revision: number;
  more: boolean;
}

/** The outcome of a conditional write: ok, or the key's current value (if any) on failure. */
export interface WriteResult {
  ok: boolean;
  revision: number;
  kv?: KeyValue;
}

export interface Disposable {
  dispose(): void;
}

export interface Store {
  currentRevision(): Promise<number>;
  /** The oldest revision still readable or watchable (0 when never compacted). */
  compactRevision(): Promise<number>;
  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>;
  /** Keys starting with prefix, sorted by key. */
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Create if absent; on failure kv is the existing value. */
  create(key: string, value: string): Promise<WriteResult>;
  /** Put if the key's modRevision is expectedModRevision; on failure kv is the current value (or absent). */
  update(key: string, value: string, expectedModRevision: number): Promise<WriteResult>;
  /** Delete if the key's modRevision matches (any when omitted); kv is the deleted value on success. */
  delete(key: string, expectedModRevision?: number): Promise<WriteResult>;
  /**
   * Events for keys under prefix with revision >= fromRevision (0 = only future events), replayed
   * from history then live, in revision order, delivered asynchronously. Throws CompactedError when
   * fromRevision is below the compact revision. A backend that can lose a watch later (etcd:
   * compacted past where a broken stream would resume) ends it and calls onError once.
   */
  watch(prefix: string, fromRevision: number, onEvents: (events: StoreEvent[]) => void, onError?: (err: Error) => void): Disposable;
  /** Forgets history older than revision: reads and watches at >= revision keep working. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** A historical read or watch asked for a revision that compaction has dropped. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`store: Cannot read revision ${requested}: compacted up to ${compacted}`);
    this.name = 'CompactedError';
  }
}

export const isCompacted = (e: unknown): e is CompactedError => e instanceof CompactedError;

/** The end of a prefix range: the smallest key greater than every key with that prefix. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

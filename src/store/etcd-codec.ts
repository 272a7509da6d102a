/**
 * The mapping between podnet's Store and etcd v3's wire shapes: a key prefix that lets several
 * clusters share one etcd (as kube-apiserver's --etcd-prefix does), byte-wise prefix ranges,
 * KeyValue/event conversion, and etcd's error codes as podnet errors.
 */
import type { IEvent, IKeyValue } from 'etcd3';
import type { KeyValue, StoreEvent } from './store.js';

/** etcd's own "end of a prefix range": the prefix with its last byte incremented (0xff bytes dropped). */
export function etcdPrefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all 0xff: every key from prefix on ('\0' = no upper bound)
}

export class EtcdKeys {
  private readonly prefix: Buffer;

  constructor(prefix: string) {
    if (prefix && (!prefix.startsWith('/') || prefix.endsWith('/'))) {
      throw new Error(`store: Cannot use etcd key prefix "${prefix}": it must start with "/" and not end with "/"`);
    }
    this.prefix = Buffer.from(prefix);
  }

  key(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key)]);
  }

  /** [start, end) for the keys under `prefix`, starting at `startKey` when given. */
  range(prefix: string, startKey?: string): { key: Buffer; range_end: Buffer } {
    return { key: this.key(startKey ?? prefix), range_end: etcdPrefixEnd(this.key(prefix)) };
  }

  unprefix(key: Buffer): string {
    return key.subarray(this.prefix.length).toString();
  }

  toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: this.unprefix(kv.key),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version),
    };
  }

  /**
   * A watch event in the Store's shape. etcd sends a delete's kv with only the key and the
   * delete's revision; the Store's delete carries the last value (from prev_kv) at that revision.
   */
  toEvent(ev: IEvent): StoreEvent {
    const revision = Number(ev.kv.mod_revision);
    const prevKv = ev.prev_kv ? this.toKeyValue(ev.prev_kv) : undefined;
    if (ev.type === 'Delete') {
      const kv = prevKv ? { ...prevKv, modRevision: revision } : { ...this.toKeyValue(ev.kv), modRevision: revision };
      return { type: 'delete', kv, prevKv, revision };
    }
    return { type: 'put', kv: this.toKeyValue(ev.kv), prevKv, revision };
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** etcd's ErrCompacted ("mvcc: required revision has been compacted"). */
export const isEtcdCompacted = (e: unknown): boolean => messageOf(e).includes('required revision has been compacted');

/** etcd's ErrFutureRev ("mvcc: required revision is a future revision"). */
export const isEtcdFutureRevision = (e: unknown): boolean => messageOf(e).includes('required revision is a future revision');

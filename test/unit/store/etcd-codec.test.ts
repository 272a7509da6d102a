/** The etcd wire mapping: prefix ranges as etcd computes them, key prefixes, and events in the Store's shape. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IEvent, IKeyValue } from 'etcd3';
import { EtcdKeys, etcdPrefixEnd, isEtcdCompacted, isEtcdFutureRevision } from '../../../src/store/etcd-codec.js';

const kv = (key: string, value: string, create: number, mod: number, version: number): IKeyValue => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  create_revision: String(create),
  mod_revision: String(mod),
  version: String(version),
  lease: '0',
});

describe('etcdPrefixEnd', () => {
  for (const [name, prefix, end] of [
    ['increments the last byte', Buffer.from('/registry/'), Buffer.from('/registry0')],
    ['drops trailing 0xff bytes', Buffer.from([0x61, 0xff, 0xff]), Buffer.from([0x62])],
    ['all 0xff: no upper bound', Buffer.from([0xff]), Buffer.from([0])],
  ] as const) {
    it(name, () => assert.deepEqual(etcdPrefixEnd(prefix), end));
  }
});

describe('EtcdKeys', () => {
  const keys = new EtcdKeys('/podnet/c1');

  it('puts Store keys under the prefix and takes them back off', () => {
    assert.equal(keys.key('/registry/pods/default/p').toString(), '/podnet/c1/registry/pods/default/p');
    assert.equal(keys.unprefix(Buffer.from('/podnet/c1/registry/x')), '/registry/x');
    const r = keys.range('/registry/pods/', '/registry/pods/b');
    assert.equal(r.key.toString(), '/podnet/c1/registry/pods/b');
    assert.equal(r.range_end.toString(), '/podnet/c1/registry/pods0');
  });

  it('refuses a prefix that is not an absolute path without a trailing slash', () => {
    assert.throws(() => new EtcdKeys('podnet'), /Cannot use etcd key prefix "podnet"/);
    assert.throws(() => new EtcdKeys('/podnet/'), /Cannot use etcd key prefix "\/podnet\/"/);
    assert.doesNotThrow(() => new EtcdKeys(''));
  });

  it('converts a put with prev_kv (an update) and without (a create)', () => {
    const update: IEvent = { type: 'Put', kv: kv('/podnet/c1/a', 'v2', 5, 9, 2), prev_kv: kv('/podnet/c1/a', 'v1', 5, 5, 1) };
    assert.deepEqual(keys.toEvent(update), {
      type: 'put',
      kv: { key: '/a', value: 'v2', createRevision: 5, modRevision: 9, version: 2 },
      prevKv: { key: '/a', value: 'v1', createRevision: 5, modRevision: 5, version: 1 },
      revision: 9,
    });
    // The client decodes an absent prev_kv (a create) as null.
    const create: IEvent = { type: 'Put', kv: kv('/podnet/c1/b', 'v', 10, 10, 1), prev_kv: null as unknown as IKeyValue };
    assert.equal(keys.toEvent(create).prevKv, undefined);
  });

  it('gives a delete the last value at the delete revision, as the other backends do', () => {
    // etcd sends a delete's kv with only the key and the revision of the delete.
    const del: IEvent = { type: 'Delete', kv: kv('/podnet/c1/a', '', 0, 12, 0), prev_kv: kv('/podnet/c1/a', 'v2', 5, 9, 2) };
    const ev = keys.toEvent(del);
    assert.equal(ev.type, 'delete');
    assert.equal(ev.revision, 12);
    assert.deepEqual(ev.kv, { key: '/a', value: 'v2', createRevision: 5, modRevision: 12, version: 2 });
    assert.equal(ev.prevKv?.modRevision, 9);
  });
});

it('recognises etcd revision errors by their gRPC messages', () => {
  assert.ok(isEtcdCompacted(new Error('etcdserver: mvcc: required revision has been compacted')));
  assert.ok(isEtcdFutureRevision(new Error('etcdserver: mvcc: required revision is a future revision')));
  assert.ok(!isEtcdCompacted(new Error('etcdserver: request timed out')));
});

/**
 * EtcdWatch's resume point, against a fake of the etcd3 client's Watcher: etcd replays history in
 * batches of 1000 revisions whose response header carries the CURRENT revision (measured on etcd
 * 3.4: header 2501 with events up to 1001), and the client would resume a broken stream after
 * the header, skipping the rest of the replay. EtcdWatch resumes after the last event delivered.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Etcd3, IEvent, IWatchResponse } from 'etcd3';
import { EtcdKeys } from '../../../src/store/etcd-codec.js';
import { EtcdWatch } from '../../../src/store/etcd-watch.js';
import type { StoreEvent } from '../../../src/store/store.js';

/** Like etcd3's Watcher: its own 'data' listener (registered first) resumes after the header. */
class FakeWatcher extends EventEmitter {
  readonly request: { start_revision?: string };
  canceled = false;
  constructor(start: string) {
    super();
    this.request = { start_revision: start };
    this.on('data', (res: IWatchResponse) => (this.request.start_revision = String(Number(res.header.revision) + 1)));
  }
  async cancel(): Promise<void> {
    this.canceled = true;
  }
}

function fakeClient(): { client: Etcd3; watcher: () => FakeWatcher } {
  let w: FakeWatcher | undefined;
  const builder = {
    inRange: () => builder,
    withPreviousKV: () => builder,
    startRevision: (r: string) => {
      w = new FakeWatcher(r);
      return builder;
    },
    watcher: () => w!,
  };
  return { client: { watch: () => builder } as unknown as Etcd3, watcher: () => w! };
}

const put = (rev: number): IEvent =>
  ({ type: 'Put', kv: { key: Buffer.from(`/k/${rev}`), value: Buffer.from('v'), create_revision: String(rev), mod_revision: String(rev), version: '1', lease: '0' }, prev_kv: null }) as unknown as IEvent;

const response = (header: number, revs: number[]): IWatchResponse =>
  ({ header: { revision: String(header) }, events: revs.map(put) }) as unknown as IWatchResponse;

it('resumes after the last event delivered, not after a replay batch header', () => {
  const { client, watcher } = fakeClient();
  const got: StoreEvent[] = [];
  const w = new EtcdWatch({ client, keys: new EtcdKeys(''), prefix: '/k/', startRevision: 2, onEvents: (e) => got.push(...e), onCancel: () => {} });
  watcher().emit('data', response(2501, [2, 3, 1001]));
  assert.equal(watcher().request.start_revision, '1002');
  // A resent batch after a reconnect delivers nothing twice.
  watcher().emit('data', response(2501, [1001, 1002]));
  assert.deepEqual(got.map((e) => e.revision), [2, 3, 1001, 1002]);
  // A progress response without events (the watch is caught up) may move the resume point on.
  watcher().emit('data', response(2600, []));
  assert.equal(watcher().request.start_revision, '2601');
  w.dispose();
  assert.equal(watcher().canceled, true);
  watcher().emit('data', response(2700, [2650]));
  assert.equal(got.length, 4, 'nothing after dispose');
});

it('reports a cancel by etcd once, with the revision it would have resumed at', () => {
  const { client, watcher } = fakeClient();
  const cancels: [string, number][] = [];
  new EtcdWatch({ client, keys: new EtcdKeys(''), prefix: '/k/', startRevision: 5, onEvents: () => {}, onCancel: (e, next) => cancels.push([e.message, next]) });
  watcher().emit('data', response(9, [5, 6]));
  watcher().emit('error', new Error('Watcher canceled: '));
  watcher().emit('error', new Error('again'));
  assert.deepEqual(cancels, [['Watcher canceled: ', 7]]);
});

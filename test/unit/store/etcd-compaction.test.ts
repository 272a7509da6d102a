/** Finding etcd's compact revision by reads, against a fake etcd that fails reads below it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { etcdCompactTarget, findEtcdCompactRevision, storeCompactRevision } from '../../../src/store/etcd-compaction.js';

/** A fake etcd at `current` compacted to `compacted`, counting the reads made. */
function fakeEtcd(compacted: number, current: number) {
  let reads = 0;
  return {
    readable: async (rev: number) => {
      reads++;
      return rev >= compacted || rev > current;
    },
    current: async () => current,
    reads: () => reads,
  };
}

describe('findEtcdCompactRevision', () => {
  for (const [name, known, compacted, current] of [
    ['never compacted', 0, 0, 500],
    ['compacted, nothing known', 0, 377, 500],
    ['compacted further than known', 120, 377, 500],
    ['compacted to the current revision', 0, 500, 500],
  ] as const) {
    it(name, async () => {
      const e = fakeEtcd(compacted, current);
      assert.equal(await findEtcdCompactRevision(known, e.readable, e.current), compacted);
      assert.ok(e.reads() <= 1 + Math.ceil(Math.log2(current)), `${e.reads()} reads`);
    });
  }

  it('costs one read when the known value is still exact', async () => {
    const e = fakeEtcd(377, 500);
    assert.equal(await findEtcdCompactRevision(377, e.readable, e.current), 377);
    assert.equal(e.reads(), 1);
  });
});

it("reports etcd's compact revision + 1 and compacts etcd one below the Store's", () => {
  // etcd drops a delete made at its compact revision: only events after it are all there.
  assert.equal(storeCompactRevision(0), 0);
  assert.equal(storeCompactRevision(1), 0, 'revision 1 is etcd\'s empty start: nothing dropped');
  assert.equal(storeCompactRevision(41), 42);
  assert.equal(storeCompactRevision(etcdCompactTarget(42)), 42);
});

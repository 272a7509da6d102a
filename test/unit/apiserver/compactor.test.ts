import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { Compactor } from '../../../src/apiserver/compactor.js';

describe('compactor', () => {
  it('compacts to the previous tick, keeping the last minRetain revisions', async () => {
    const s = new MemoryStore();
    const comp = new Compactor(s, 0, 5);
    for (let i = 0; i < 20; i++) await s.create(`/k${i}`, 'v');
    assert.equal(await comp.tick(), 0, 'the first tick only records the revision');
    for (let i = 20; i < 30; i++) await s.create(`/k${i}`, 'v');
    assert.equal(await comp.tick(), 20);
    assert.equal(await s.compactRevision(), 20);
    assert.equal((await s.range('/')).kvs.length, 30);
    await s.close();
  });
});

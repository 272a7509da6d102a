/**
 * CalicoIpam on the real apiserver: blocks are claimed per node and filled in order, a full
 * block makes the node claim the next, release is idempotent, and concurrent allocation (two
 * nodes, and two uncoordinated allocators on one node racing on the same block) never hands out
 * one address twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockAffinity, IPAMBlock } from '../../../src/api/calico.js';
import { Client } from '../../../src/client/client.js';
import { CalicoIpam, listAffineBlocks } from '../../../src/calico/ipam/index.js';
import { type TestApi, startTestApi } from '../../helpers/controllers-apiserver.js';

describe('calico IPAM allocation', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi('calico-ipam-test');
  });
  after(async () => api?.close());

  it('claims a /26 per node, fills it in order, then claims the next', async () => {
    const ipam = new CalicoIpam(api.client, { pools: ['10.10.0.0/24'], blockSize: 28 });
    const a1 = await ipam.autoAssign('na', 'net.a1');
    const b1 = await ipam.autoAssign('nb', 'net.b1');
    assert.deepEqual([a1, b1], [{ ip: '10.10.0.0', cidr: '10.10.0.0/28' }, { ip: '10.10.0.16', cidr: '10.10.0.16/28' }]);
    const more = [];
    for (let i = 2; i <= 17; i++) more.push(await ipam.autoAssign('na', `net.a${i}`));
    assert.equal(more[14].ip, '10.10.0.15');
    assert.deepEqual(more[15], { ip: '10.10.0.32', cidr: '10.10.0.32/28' });
    assert.deepEqual(await listAffineBlocks(api.client, 'na'), ['10.10.0.0/28', '10.10.0.32/28']);
    const aff = await api.client.get<BlockAffinity>('blockaffinities', undefined, 'na-10-10-0-32-28');
    assert.equal(aff.spec?.state, 'confirmed');
    const handle = await api.client.get<{ spec: { block: Record<string, number> } } & IPAMBlock>('ipamhandles', undefined, 'net.a17');
    assert.deepEqual(handle.spec.block, { '10.10.0.32/28': 1 });
  });

  it('releaseByHandle frees the address (not reused at once) and is idempotent', async () => {
    const ipam = new CalicoIpam(api.client, { pools: ['10.11.0.0/24'] });
    const x = await ipam.autoAssign('nr', 'net.x', { namespace: 'default', pod: 'x', node: 'nr' });
    assert.deepEqual(await ipam.ipsByHandle('net.x'), [x.ip]);
    assert.deepEqual(await ipam.releaseByHandle('net.x'), [x.ip]);
    assert.deepEqual(await ipam.releaseByHandle('net.x'), []);
    assert.deepEqual(await ipam.ipsByHandle('net.x'), []);
    await assert.rejects(api.client.get('ipamhandles', undefined, 'net.x'), /not found/);
    const y = await ipam.autoAssign('nr', 'net.y');
    assert.notEqual(y.ip, x.ip, 'a freed ordinal goes to the back of unallocated');
  });

  it('an exhausted pool is a clear error', async () => {
    const ipam = new CalicoIpam(api.client, { pools: ['10.12.0.0/30'], blockSize: 30 });
    for (let i = 0; i < 4; i++) await ipam.autoAssign('nx', `net.e${i}`);
    await assert.rejects(ipam.autoAssign('ny', 'net.e9'), /Cannot claim a block for node "ny": every \/30 block of 10\.12\.0\.0\/30 is taken/);
  });

  async function race(nodes: [string, string], n: number, hostLock: boolean): Promise<string[]> {
    const clients = [new Client({ server: api.url }), new Client({ server: api.url })];
    try {
      const ipams = clients.map((c) => new CalicoIpam(c, { pools: ['10.20.0.0/16'], hostLock }));
      const jobs = ipams.flatMap((ipam, k) => Array.from({ length: n }, (_, i) => ipam.autoAssign(nodes[k], `race.${nodes[k]}-${k}-${i}`)));
      return (await Promise.all(jobs)).map((a) => a.ip);
    } finally {
      clients.forEach((c) => c.close());
    }
  }

  it('two nodes × 100 concurrent allocations: all distinct, each node in its own blocks', async () => {
    const ips = await race(['c1', 'c2'], 100, true);
    assert.equal(new Set(ips).size, 200);
    const b1 = await listAffineBlocks(api.client, 'c1');
    const b2 = await listAffineBlocks(api.client, 'c2');
    assert.equal(b1.length, 2);
    assert.equal(b2.length, 2);
    assert.equal(new Set([...b1, ...b2]).size, 4, 'no block affine to both nodes');
  });

  it('two uncoordinated allocators × 100 on one node (CAS on the same block): all distinct, blocks consistent', async () => {
    const ips = await race(['s1', 's1'], 100, false);
    assert.equal(new Set(ips).size, 200);
    const blocks = (await api.client.list<IPAMBlock>('ipamblocks')).items.filter((b) => b.spec?.affinity === 'host:s1');
    const allocated = blocks.flatMap((b) => b.spec!.allocations.filter((a) => a !== null));
    assert.equal(allocated.length, 200, 'the blocks record exactly the 200 allocations');
    for (const b of blocks) assert.equal(b.spec!.unallocated.length + b.spec!.allocations.filter((a) => a !== null).length, 64);
  });
});

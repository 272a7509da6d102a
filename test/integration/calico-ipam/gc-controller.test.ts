/**
 * startCalicoIpamController on the real apiserver: a deleted Node's pods' addresses, then its
 * block affinity and its (now empty) block go; a pod deleted without CNI DEL on a live node is
 * freed after the grace period; a live pod's address and a live node's blocks stay.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockAffinity, IPAMBlock } from '../../../src/api/calico.js';
import type { Node, Pod } from '../../../src/api/types.js';
import { CalicoIpam, type CalicoIpamController, listAffineBlocks, startCalicoIpamController } from '../../../src/calico/ipam/index.js';
import { type TestApi, eventually, startTestApi } from '../../helpers/controllers-apiserver.js';

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const pod = (name: string, nodeName: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'pause' }] } });

describe('calico IPAM controller', () => {
  let api: TestApi;
  let ctrl: CalicoIpamController | undefined;
  before(async () => {
    api = await startTestApi('calico-ipam-gc-test');
  });
  after(async () => {
    await ctrl?.stop();
    await api?.close();
  });

  it('releases what deleted nodes and vanished pods held, keeps the rest', async () => {
    const ipam = new CalicoIpam(api.client, { pools: ['10.30.0.0/16'] });
    for (const n of ['g1', 'g2']) await api.client.create('nodes', undefined, node(n));
    const assign = async (p: string, n: string) => {
      await api.client.create('pods', 'default', pod(p, n));
      return (await ipam.autoAssign(n, `net.${p}`, { namespace: 'default', pod: p, node: n })).ip;
    };
    const keepIP = await assign('keep', 'g1');
    await assign('leak', 'g1');
    await assign('far', 'g2');
    ctrl = await startCalicoIpamController(api.client, { leakGracePeriodMs: 1500, minIntervalMs: 100, maxIntervalMs: 300 });
    const [blockG2] = await listAffineBlocks(api.client, 'g2');

    // Node g2 goes, and with it its pod (pod GC's part): address, affinity and block are released.
    await api.client.delete('pods', 'default', 'far', { gracePeriodSeconds: 0 });
    await api.client.delete('nodes', undefined, 'g2');
    await eventually('g2 block gone', async () => (await api.client.list<IPAMBlock>('ipamblocks')).items.every((b) => b.spec?.cidr !== blockG2), 10_000);
    assert.deepEqual((await api.client.list<BlockAffinity>('blockaffinities')).items.filter((a) => a.spec?.node === 'g2'), []);
    assert.deepEqual(await ipam.ipsByHandle('net.far'), []);

    // A pod that vanished without DEL on a live node: freed only after the grace period.
    const t0 = Date.now();
    await api.client.delete('pods', 'default', 'leak', { gracePeriodSeconds: 0 });
    await eventually('leak released', async () => (await ipam.ipsByHandle('net.leak')).length === 0, 10_000);
    assert.ok(Date.now() - t0 >= 1400, `released after ${Date.now() - t0} ms, before the 1.5 s grace period`);

    // What lives stays: the pod's address and g1's block.
    assert.deepEqual(await ipam.ipsByHandle('net.keep'), [keepIP]);
    assert.equal((await listAffineBlocks(api.client, 'g1')).length, 1);
    await api.client.get('ipamhandles', undefined, 'net.keep');
  });
});

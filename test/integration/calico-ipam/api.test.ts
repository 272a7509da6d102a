/**
 * The crd.projectcalico.org objects on the real apiserver: discovery, CRUD, validation naming the
 * field, watch, and `kubectl get ipamblocks` / `blockaffinities` / `ipamhandles`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockAffinity, IPAMBlock } from '../../../src/api/calico.js';
import { ApiError } from '../../../src/client/client.js';
import { CalicoIpam } from '../../../src/calico/ipam/index.js';
import { newBlock } from '../../../src/calico/ipam/block.js';
import { type KubectlApi, kubectlOk, startKubectlApi } from '../../helpers/apiserver-kubectl.js';

describe('calico IPAM resources on the apiserver', () => {
  let api: KubectlApi;
  before(async () => {
    api = await startKubectlApi();
  });
  after(async () => api?.close());

  it('are discoverable under crd.projectcalico.org/v1, cluster-scoped', async () => {
    const res = await api.client.request<{ groupVersion: string; resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', '/apis/crd.projectcalico.org/v1');
    const names = res.resources.filter((r) => !r.name.includes('/')).map((r) => `${r.name}:${r.kind}:${r.namespaced}`).sort();
    assert.deepEqual(names, ['blockaffinities:BlockAffinity:false', 'ipamblocks:IPAMBlock:false', 'ipamhandles:IPAMHandle:false']);
  });

  it('create, get, update with resourceVersion (a stale one conflicts), delete', async () => {
    const b = await api.client.create<IPAMBlock>('ipamblocks', undefined, newBlock('10.250.0.0/26', 'nodex'));
    const got = await api.client.get<IPAMBlock>('ipamblocks', undefined, '10-250-0-0-26');
    assert.equal(got.spec?.affinity, 'host:nodex');
    got.spec!.unallocated.shift();
    await api.client.update('ipamblocks', got);
    await assert.rejects(api.client.update('ipamblocks', b), (e: unknown) => e instanceof ApiError && e.code === 409);
    await api.client.delete('ipamblocks', undefined, '10-250-0-0-26');
  });

  it('refuses an invalid object naming the field', async () => {
    const bad: BlockAffinity = { apiVersion: 'crd.projectcalico.org/v1', kind: 'BlockAffinity', metadata: { name: 'x' }, spec: { node: 'n', cidr: 'nope', state: 'confirmed', deleted: 'false' } };
    await assert.rejects(api.client.create('blockaffinities', undefined, bad), /spec\.cidr/);
  });

  it('watch reports an affinity being claimed', async () => {
    const events: string[] = [];
    const w = api.client.watch<BlockAffinity>('blockaffinities', undefined, {}, (ev) => events.push(`${ev.type}:${ev.object.spec?.state}`));
    await new Promise((r) => setTimeout(r, 100));
    await new CalicoIpam(api.client).autoAssign('nodew', 'h.w1');
    await new Promise((r) => setTimeout(r, 200));
    w.stop();
    assert.deepEqual(events.slice(0, 2), ['ADDED:pending', 'MODIFIED:confirmed']);
  });

  it('kubectl get lists them', async () => {
    await new CalicoIpam(api.client).autoAssign('nodek', 'h.k1');
    const blocks = await kubectlOk(api.k, ['get', 'ipamblocks', '-o', 'name']);
    assert.match(blocks, /ipamblock\.crd\.projectcalico\.org\/10-244-0-\d+-26/);
    const aff = await kubectlOk(api.k, ['get', 'blockaffinities']);
    assert.match(aff, /nodek-10-244-0-\d+-26/);
    const handles = await kubectlOk(api.k, ['get', 'ipamhandles.crd.projectcalico.org', 'h.k1', '-o', 'jsonpath={.spec.handleID}']);
    assert.equal(handles, 'h.k1');
  });
});

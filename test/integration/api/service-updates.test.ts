/**
 * Service updates through the real apiserver, where the strategy runs before validation (seed
 * 004's hdls Service): a PUT without clusterIP keeps it, a changed clusterIP is refused with
 * upstream's causes, and changing the type drops the fields the old type had defaulted.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../../src/client/client.js';
import { startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { type Manifest, loadSeed } from '../../helpers/api-seeds.js';

let api: TestApi;
let c: Client;
const path = '/api/v1/namespaces/default/services/hdls';

before(async () => {
  api = await startTestApi('api-test');
  c = api.client;
});
after(() => api.close());

async function send(method: string, body: Manifest, type = 'application/json'): Promise<{ code: number; body: Manifest }> {
  const r = await c.raw(method, path, JSON.stringify(body), type);
  return { code: r.status, body: JSON.parse(r.body) as Manifest };
}

describe('Service updates (strategy, defaulting, validation)', () => {
  let clusterIP: string;

  it('creates seed 004\'s hdls Service', async () => {
    const r = await c.raw('POST', '/api/v1/namespaces/default/services', JSON.stringify(loadSeed('004-1')));
    assert.equal(r.status, 201, r.body);
    clusterIP = (JSON.parse(r.body) as Manifest).spec.clusterIP;
  });

  it('a PUT of the manifest as written (no clusterIP) keeps the allocated IP', async () => {
    const r = await send('PUT', loadSeed('004-1'));
    assert.equal(r.code, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.spec.clusterIP, r.body.spec.clusterIPs], [clusterIP, [clusterIP]]);
  });

  it('a patch of clusterIP is refused: clusterIPs[0] may not change, clusterIP is immutable', async () => {
    const r = await send('PATCH', { spec: { clusterIP: '10.96.200.200' } }, 'application/merge-patch+json');
    assert.equal(r.code, 422);
    assert.deepEqual(
      r.body.details.causes.map((x: Manifest) => `${x.field}: ${x.message}`),
      ['spec.clusterIPs[0]: Invalid value: ["10.96.200.200"]: may not change once set', 'spec.clusterIP: Invalid value: "10.96.200.200": field is immutable'],
    );
  });

  it('to NodePort and back to ClusterIP: nodePort and externalTrafficPolicy go with the type', async () => {
    const np = await send('PATCH', { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
    assert.equal(np.code, 200, JSON.stringify(np.body));
    assert.equal(np.body.spec.externalTrafficPolicy, 'Cluster');
    assert.ok(np.body.spec.ports[0].nodePort >= 30000);
    const back = await send('PATCH', { spec: { type: 'ClusterIP' } }, 'application/merge-patch+json');
    assert.equal(back.code, 200, JSON.stringify(back.body));
    assert.deepEqual([back.body.spec.externalTrafficPolicy, back.body.spec.ports[0].nodePort, back.body.spec.clusterIP], [undefined, undefined, clusterIP]);
  });

  it('to ExternalName: the IP fields go; an externalName that is not a DNS name is refused', async () => {
    const bad = await send('PATCH', { spec: { type: 'ExternalName', externalName: 'db_1.example.com' } }, 'application/merge-patch+json');
    assert.equal(bad.code, 422);
    assert.deepEqual(bad.body.details.causes.map((x: Manifest) => x.field), ['spec.externalName']);
    const ok = await send('PATCH', { spec: { type: 'ExternalName', externalName: 'db.example.com' } }, 'application/merge-patch+json');
    assert.equal(ok.code, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.spec.clusterIP, ok.body.spec.clusterIPs, ok.body.spec.ipFamilies, ok.body.spec.internalTrafficPolicy], [undefined, undefined, undefined, undefined]);
  });
});

/**
 * Every manifest of the seed articles through the real apiserver over HTTP (decode, field
 * validation, defaulting, validation, allocation, storage), then broken variants of them: each
 * answers exactly what kube-apiserver answers (422 with causes, 400 for unknown fields, 404 for a
 * removed group version).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import type { Client } from '../../../src/client/client.js';
import { startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { type Manifest, causes, loadSeed, postManifest, seedNames, seedOriginal, seedText } from '../../helpers/api-seeds.js';

let api: TestApi;
let c: Client;
let nsCount = 0;

before(async () => {
  api = await startTestApi('api-test');
  c = api.client;
});
after(() => api.close());

/** A fresh namespace per case: the seeds reuse names (`hdls`) across manifests. */
async function namespace(): Promise<string> {
  const name = `seed-${++nsCount}`;
  await c.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** Strips what the article's rendering added (line numbers) and all whitespace. */
const tokens = (text: string): string => text.replace(/^\s*\d+\.\s/gm, '').replace(/\s+/g, '');

describe('seed manifests', () => {
  it('finds the eleven manifests of seeds 002, 003 and 004', () => {
    assert.deepEqual(seedNames(), ['002-1', '003-1', ...Array.from({ length: 9 }, (_, i) => `004-${i + 1}`)]);
  });

  for (const name of seedNames()) {
    it(`${name}.yaml is the article's text with only indentation and line numbers restored`, () => {
      assert.equal(tokens(seedText(name)), tokens(seedOriginal(name)));
    });
  }

  const accepted: [string, (o: Manifest) => void][] = [
    ['002-1', (d) => {
      assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
      assert.deepEqual(d.spec.template.spec.containers.map((x: Manifest) => x.imagePullPolicy), ['Always', 'IfNotPresent']);
    }],
    ['003-1', (np) => assert.deepEqual(np.spec.policyTypes, ['Ingress'])],
    ['004-1', (s) => {
      assert.match(s.spec.clusterIP, /^10\./);
      assert.deepEqual(s.spec.ports, [{ port: 8080, targetPort: 8000, protocol: 'TCP' }]);
      assert.deepEqual([s.spec.type, s.spec.sessionAffinity, s.spec.ipFamilyPolicy], ['ClusterIP', 'None', 'SingleStack']);
    }],
    ['004-2', (s) => assert.deepEqual([s.spec.clusterIP, s.spec.clusterIPs], ['None', ['None']])],
    ['004-3', (s) => assert.equal(s.spec.selector, undefined)],
    ['004-5', (s) => assert.deepEqual(s.spec.ports.map((p: Manifest) => `${p.name}:${p.port}/${p.protocol}`), ['dns:8080/TCP', 'dns-tcp:8080/UDP'])],
  ];
  for (const [name, check] of accepted) {
    it(`${name} is accepted (201) with upstream's defaults`, async () => {
      const m = loadSeed(name);
      const r = await postManifest(c, m, m.metadata.namespace ?? (await namespace()));
      assert.equal(r.code, 201, JSON.stringify(r.body));
      assert.deepEqual(r.warnings, []);
      check(r.body);
    });
  }

  it('003-1 as the article prints it (indentation flattened) is YAML without metadata.name', () => {
    const flat = parseYaml(seedOriginal('003-1'), { uniqueKeys: false }) as Manifest;
    assert.equal(flat.metadata, null);
    assert.equal(flat.name, 'database-network-policy');
  });

  it('004-4 (the article\'s `addresss:`/`IP:` typos): 400 strict decoding error', async () => {
    const r = await postManifest(c, loadSeed('004-4'), await namespace());
    assert.equal(r.code, 400);
    assert.equal(r.body.message, 'Endpoints in version "v1" cannot be handled as a Endpoints: strict decoding error: unknown field "subsets[0].addresss"');
  });

  it('004-4 without strict field validation: the typo is dropped, then 422', async () => {
    const r = await postManifest(c, loadSeed('004-4'), await namespace(), 'Warn');
    assert.equal(r.code, 422);
    assert.equal(r.body.reason, 'Invalid');
    assert.match(r.body.message, /^Endpoints "hdls" is invalid: subsets\[0\]: Required value: must specify `addresses` or `notReadyAddresses`$/);
    assert.deepEqual(r.body.details.causes, [{ reason: 'FieldValueRequired', message: 'Required value: must specify `addresses` or `notReadyAddresses`', field: 'subsets[0]' }]);
  });

  it('004-4 spelled as the API spells it is accepted', async () => {
    const m = loadSeed('004-4');
    m.subsets = [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 8000 }] }];
    const r = await postManifest(c, m, await namespace());
    assert.equal(r.code, 201, JSON.stringify(r.body));
    assert.equal(r.body.subsets[0].ports[0].protocol, 'TCP');
  });

  for (const name of ['004-6', '004-7']) {
    it(`${name} (\`image: ***\`) is not YAML; with the image quoted it is accepted`, async () => {
      assert.throws(() => parseYaml(seedText(name)), /alias/i);
      const m = parseYaml(seedText(name).replace('image: ***', 'image: "***"')) as Manifest;
      const r = await postManifest(c, m, await namespace());
      assert.equal(r.code, 201, JSON.stringify(r.body));
      assert.deepEqual(r.body.spec.containers[0].ports, [{ containerPort: 8000, hostPort: 8000, protocol: 'TCP' }]);
    });
  }

  it('004-8 (nodePort 8000): 422, outside the node port range', async () => {
    const r = await postManifest(c, loadSeed('004-8'), await namespace());
    assert.equal(r.code, 422);
    assert.deepEqual(causes(r.body), ['spec.ports[0].nodePort: Invalid value: 8000: provided port is not in the valid range. The range of valid ports is 30000-32767']);
  });

  it('004-9 (extensions/v1beta1 Ingress): 404, the group version is not served', async () => {
    const r = await postManifest(c, loadSeed('004-9'), await namespace());
    assert.equal(r.code, 404);
    assert.deepEqual([r.body.reason, r.body.message], ['NotFound', 'the server could not find the requested resource']);
  });

  it('004-9 moved to networking.k8s.io/v1 unchanged: 400 for serviceName/servicePort, else 422 pathType', async () => {
    const m = { ...loadSeed('004-9'), apiVersion: 'networking.k8s.io/v1' };
    const strict = await postManifest(c, m, await namespace());
    assert.equal(strict.code, 400);
    assert.equal(
      strict.body.message,
      'Ingress in version "v1" cannot be handled as a Ingress: strict decoding error: unknown field "spec.rules[0].http.paths[0].backend.serviceName", unknown field "spec.rules[0].http.paths[0].backend.servicePort"',
    );
    const lax = await postManifest(c, m, await namespace(), 'Ignore');
    assert.equal(lax.code, 422);
    assert.deepEqual(causes(lax.body), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
  });

  it('004-9 rewritten for networking.k8s.io/v1 is accepted', async () => {
    const m = loadSeed('004-9');
    m.apiVersion = 'networking.k8s.io/v1';
    m.spec.rules[0].http.paths[0] = { path: '/web', pathType: 'Prefix', backend: { service: { name: 'hdls', port: { number: 8000 } } } };
    const r = await postManifest(c, m, await namespace());
    assert.equal(r.code, 201, JSON.stringify(r.body));
  });
});

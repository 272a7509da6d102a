/** Reading manifests for `podnet proxy render`: formats, defaulting, and errors naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProxyObjects } from '../../../src/cli/proxy-manifests.js';
import { parseRenderFlags } from '../../../src/cli/proxy-render.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/proxy/', import.meta.url));

test('a directory: multi-document YAML and a JSON List; Endpoints ignored with a warning saying why', () => {
  const o = loadProxyObjects([FIXTURES]);
  assert.deepEqual(o.services.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`).sort(), ['ns1/ext', 'ns1/headless', 'ns1/svc1', 'ns2/svc2', 'ns4/svc4']);
  assert.equal(o.endpointSlices.length, 3);
  assert.equal(o.warnings.length, 1);
  assert.match(o.warnings[0], /Endpoints ns1\/svc1 ignored: kube-proxy reads only EndpointSlices/);
});

test('Services get the apiserver defaults (protocol, targetPort, affinity timeout, traffic policies, namespace)', () => {
  const svc1 = loadProxyObjects([FIXTURES + 'services.yaml']).services.find((s) => s.metadata?.name === 'svc1')!;
  assert.equal(svc1.spec?.type, 'ClusterIP');
  assert.equal(svc1.spec?.ports?.[0].protocol, 'TCP');
  assert.equal(svc1.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds, 10800);
  assert.equal(svc1.spec?.internalTrafficPolicy, 'Cluster');
  const dir = mkdtempSync(join(tmpdir(), 'podnet-render-'));
  try {
    writeFileSync(join(dir, 'a.yaml'), 'kind: Service\napiVersion: v1\nmetadata: {name: web}\nspec: {clusterIP: 10.96.0.9, ports: [{port: 80}]}\n');
    const [web] = loadProxyObjects([join(dir, 'a.yaml')]).services;
    assert.equal(web.metadata?.namespace, 'default');
    assert.equal(web.spec?.ports?.[0].targetPort, 80);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors name the field: spec.clusterIP, spec.ports[i].nodePort; a missing file names -f', () => {
  assert.throws(() => loadProxyObjects([FIXTURES + 'bad/no-cluster-ip.yaml']), /Service default\/web: spec\.clusterIP: Required value/);
  const doc = 'apiVersion: v1\nkind: Service\nmetadata: {name: np, namespace: a}\nspec: {type: NodePort, clusterIP: 10.96.0.3, ports: [{port: 80}, {port: 81}]}\n';
  assert.throws(() => loadProxyObjects(['-'], () => doc), /<stdin>: Service a\/np: spec\.ports\[0\]\.nodePort: Required value/);
  assert.throws(() => loadProxyObjects([FIXTURES + 'nope.yaml']), /^Error: -f: ".*nope\.yaml": no such file or directory/);
  assert.throws(() => loadProxyObjects(['-'], () => 'kind: Service\n  bad: [\n')); // a YAML syntax error
  const [fromList] = loadProxyObjects(['-'], () => 'kind: Service\nmetadata: {name: c}\nspec: {clusterIPs: [10.96.0.7], ports: [{port: 1}]}\n').services;
  assert.equal(fromList.spec?.clusterIP, '10.96.0.7');
});

test('flags: each error names its flag', () => {
  const base = ['-f', 'x', '--node-name', 'n', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.0.0.0/8', '--service-cidr', '10.96.0.0/12'];
  const without = (flag: string) => { const i = base.indexOf(flag); return [...base.slice(0, i), ...base.slice(i + 2)]; };
  assert.throws(() => parseRenderFlags([...base, '--mode', 'ebpf']), /--mode: Unsupported value "ebpf": supported values: nftables, iptables, ipvs/);
  assert.throws(() => parseRenderFlags(without('-f')), /-f\/--filename: Required value/);
  assert.throws(() => parseRenderFlags(without('--node-name')), /--node-name: Required value/);
  assert.throws(() => parseRenderFlags([...without('--node-ip'), '--node-ip', '1.2.3']), /--node-ip: Invalid value "1\.2\.3"/);
  assert.throws(() => parseRenderFlags(without('--service-cidr')), /--service-cidr: Required value/);
  assert.throws(() => parseRenderFlags([...without('--cluster-cidr'), '--cluster-cidr', '10.0.0.0']), /--cluster-cidr: Invalid value "10\.0\.0\.0"/);
  assert.throws(() => parseRenderFlags([...base, '--nodeport-addresses', '10.0.0.0/8,x']), /--nodeport-addresses: Invalid value "x"/);
  assert.throws(() => parseRenderFlags([...base, '--masquerade-mark', '0x6000']), /--masquerade-mark: Invalid value "0x6000": must be one bit/);
  assert.throws(() => parseRenderFlags([...base, '--bogus']), /bogus/);
  const ok = parseRenderFlags([...base, '--masquerade-mark', '0x10', '-f', 'y']);
  assert.ok(ok !== 'help');
  assert.deepEqual([ok.mode, ok.mark, ok.files], ['nftables', 16, ['x', 'y']]);
  assert.equal(parseRenderFlags(['-h']), 'help');
});

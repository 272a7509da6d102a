/**
 * `node bin/podnet.js proxy render ...` as a user runs it: a subprocess on the fixture manifests,
 * without a cluster (works the same as root or not: it touches no kernel state).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const NODE_FLAGS = ['--node-name', 'node1', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.0.0.0/8', '--service-cidr', '172.30.0.0/16'];

function podnet(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/podnet.js', ...args], { cwd: REPO, encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--mode nftables on the fixtures: exit 0, add lines only, the Endpoints warning on stderr', () => {
  const r = podnet(['proxy', 'render', '--mode', 'nftables', '-f', 'test/fixtures/proxy/services.yaml', '-f', 'test/fixtures/proxy/endpointslices.json', ...NODE_FLAGS]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.length > 60);
  assert.ok(lines.every((l) => l.startsWith('add ')));
  assert.ok(lines.includes('add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80'));
  assert.match(r.stderr, /Endpoints ns1\/svc1 ignored: kube-proxy reads only EndpointSlices/);
});

test('--mode ipvs on the fixture directory: the four sections', () => {
  const r = podnet(['proxy', 'render', '--mode', 'ipvs', '-f', 'test/fixtures/proxy', ...NODE_FLAGS]);
  assert.equal(r.code, 0, r.stderr);
  for (const s of ['# ip -batch', '# ipvsadm-restore', '# ipset restore', '# iptables-restore --noflush']) assert.ok(r.stdout.includes(s), s);
  assert.match(r.stdout, /^-A -t 172\.30\.0\.41:80 -s rr -p 10800$/m);
  assert.match(r.stdout, /^add KUBE-NODE-PORT-TCP 3001$/m);
});

test('--mode iptables prints iptables-restore input', () => {
  const r = podnet(['proxy', 'render', '--mode', 'iptables', '-f', 'test/fixtures/proxy', ...NODE_FLAGS]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\*nat$/m);
  assert.match(r.stdout, /^:KUBE-SVC-XPGD46QRK7WJZT7O - \[0:0\]$/m); // ns1/svc1:p80 tcp, upstream's name
  assert.match(r.stdout, /^COMMIT$/m);
});

test('manifests on stdin; bad input exits 1 naming the field or flag; --help exits 0', () => {
  const svc = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"clusterIP":"172.30.0.9","ports":[{"port":53,"protocol":"UDP"}]}}';
  const ok = podnet(['proxy', 'render', '-f', '-', ...NODE_FLAGS], svc);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.includes('add element ip kube-proxy no-endpoint-services { 172.30.0.9 . udp . 53 comment "default/a" : goto reject-chain }'));
  const bad = podnet(['proxy', 'render', '-f', 'test/fixtures/proxy/bad', ...NODE_FLAGS]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /spec\.clusterIP: Required value/);
  const flag = podnet(['proxy', 'render', '-f', 'test/fixtures/proxy', ...NODE_FLAGS.slice(0, 2), '--node-ip', 'nope']);
  assert.equal(flag.code, 1);
  assert.match(flag.stderr, /--node-ip: Invalid value "nope"/);
  const help = podnet(['proxy', 'render', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: podnet proxy render/);
  const noSub = podnet(['proxy']);
  assert.equal(noSub.code, 2);
  assert.match(noSub.stderr, /a subcommand is required/);
});

/**
 * Two clusters started at the same time coexist on one host: each has its own namespaces,
 * apiserver and nodes, and `podnet down` of one leaves the other untouched.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Kubectl, leftovers, podnet, PODNET, uniqueName } from '../helpers/cluster.js';

const upAsync = (name: string) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [PODNET, 'up', '--name', name, '--nodes', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => resolve({ code, out }));
  });

describe('clusters side by side', { timeout: 300_000 }, () => {
  const names = [uniqueName('c'), uniqueName('c')];

  after(() => {
    for (const n of names) podnet(['down', '--name', n]);
    for (const n of names) assert.deepEqual(leftovers(n), []);
  });

  it('start together, each with its own apiserver and nodes', async () => {
    const results = await Promise.all(names.map(upAsync));
    results.forEach((r, i) => assert.equal(r.code, 0, `podnet up --name ${names[i]}:\n${r.out}`));
    const servers = new Set<string>();
    for (const n of names) {
      const kc = podnet(['kubeconfig', '--name', n]).stdout;
      servers.add(/server: (\S+)/.exec(kc)![1]);
      const k = new Kubectl(kc);
      assert.equal(k.ok(['get', 'nodes', '-o', 'name']).trim(), 'node/node1');
      assert.equal(podnet(['status', '--name', n]).status, 0);
    }
    assert.equal(servers.size, 2, 'both clusters answer on one apiserver address');
  });

  it('removes one without touching the other', () => {
    assert.equal(podnet(['down', '--name', names[0]]).status, 0);
    assert.deepEqual(leftovers(names[0]), []);
    const r = podnet(['exec', '--name', names[1], '--node', 'node1', '--', 'ip', '-br', 'addr', 'show', 'eth0']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /172\.18\.0\.11\/16/);
    assert.equal(podnet(['status', '--name', names[1]]).status, 0);
  });
});

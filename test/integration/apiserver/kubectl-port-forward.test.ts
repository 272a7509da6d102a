/**
 * kubectl port-forward against pods/portforward: a real HTTP server listening on 127.0.0.1
 * inside a network namespace of this test (the pod), reached from the host's loopback through
 * kubectl, over SPDY tunnelled in WebSocket (kubectl 1.32's default) and plain SPDY (1.32 with
 * KUBECTL_PORT_FORWARD_WEBSOCKETS=false, and 1.29).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { netnsAdd, netnsDel, netnsList } from '../../../src/dataplane/netns.js';
import { KUBECTL, type KubectlApi, type KubectlEnv, kubectlBinary, kubectlEnv, kubectlStream, startKubectlApi } from '../../helpers/apiserver-kubectl.js';
import { eventually } from '../../helpers/eventually.js';

const PREFIX = `t${Math.random().toString(36).slice(2, 7).padEnd(5, '0')}-`;
const NETNS = `${PREFIX}pf`;
const POD_PORT = 18080;
const SERVER = `require('http').createServer((q,r)=>r.end('hello from the pod '+q.url+'\\n')).listen(${POD_PORT},'127.0.0.1')`;

const TRANSPORTS = [
  { name: 'kubectl 1.32, SPDY in WebSocket', bin: KUBECTL, env: {}, method: 'GET' },
  { name: 'kubectl 1.32 with WebSockets off, SPDY', bin: KUBECTL, env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, method: 'POST' },
  { name: 'kubectl 1.29, SPDY', bin: kubectlBinary('1.29'), env: {}, method: 'POST' },
];

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('kubectl port-forward', () => {
  let root: string;
  let api: KubectlApi;
  let server: ChildProcess;
  const envs: KubectlEnv[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'podnet-pf-'));
    api = await startKubectlApi({ stateRoot: root });
    await netnsAdd(NETNS);
    server = spawn('ip', ['netns', 'exec', NETNS, process.execPath, '-e', SERVER], { stdio: 'ignore' });
    const pod = await api.client.create<Pod>('pods', 'default', { metadata: { name: 'web' }, spec: { nodeName: 'node1', containers: [{ name: 'main', image: 'x' }] } });
    const dir = join(root, 'nodes', 'node1', 'pods', pod.metadata!.uid!, 'containers', 'main');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), `${server.pid}\n`);
    await api.client.updateStatus('pods', { ...pod, status: { ...pod.status, phase: 'Running' } });
  });
  after(async () => {
    server?.kill('SIGKILL');
    for (const e of envs) e.cleanup();
    await api?.close();
    await netnsDel(NETNS).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(await netnsList(PREFIX), [], 'no namespace of this test remains');
    assert.equal(existsSync(`/etc/netns/${NETNS}`), false);
  });

  for (const t of TRANSPORTS) {
    it(`${t.name}: connections reach the pod's localhost`, async () => {
      const k = kubectlEnv(api.server.url, api.client.config.token, { bin: t.bin, env: t.env });
      envs.push(k);
      const pf = kubectlStream(k, ['-v=6', 'port-forward', 'pod/web', `:${POD_PORT}`]);
      try {
        const out = await pf.waitFor(/Forwarding from 127\.0\.0\.1:\d+ -> 18080/);
        assert.match(out, new RegExp(`${t.method} https://\\S+/api/v1/namespaces/default/pods/web/portforward 101 Switching Protocols`), 'the transport used');
        const port = Number(/127\.0\.0\.1:(\d+) -> 18080/.exec(out)![1]);
        // The host's own loopback has no server on that port: only the pod's namespace has.
        const bodies = await Promise.all([get(port, '/a'), get(port, '/b'), get(port, '/c')]);
        assert.deepEqual(bodies, ['hello from the pod /a\n', 'hello from the pod /b\n', 'hello from the pod /c\n']);
        assert.equal(pf.child.exitCode, null, 'still forwarding');
      } finally {
        await pf.stop();
      }
    });
  }

  it('a port nothing listens on in the pod reports the error, as kubectl shows it', async () => {
    const k = kubectlEnv(api.server.url, api.client.config.token, { bin: KUBECTL });
    envs.push(k);
    const pf = kubectlStream(k, ['port-forward', 'pod/web', ':18081']);
    try {
      const out = await pf.waitFor(/Forwarding from 127\.0\.0\.1:\d+ -> 18081/);
      const port = Number(/127\.0\.0\.1:(\d+) -> 18081/.exec(out)![1]);
      await assert.rejects(get(port, '/'));
      await pf.waitFor(/error forwarding port 18081 to pod: failed to connect to localhost:18081 inside the pod's network namespace: connect ECONNREFUSED/);
      await eventually('kubectl to give up on the lost connection', () => pf.child.exitCode !== null);
    } finally {
      await pf.stop();
    }
  });
});

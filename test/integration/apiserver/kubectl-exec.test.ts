/**
 * kubectl exec and kubectl logs -f against podnet's apiserver, on every transport kubectl uses:
 * WebSocket v5 (1.32; 1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true) and SPDY/3.1 (1.29 by
 * default, 1.27, 1.28, and 1.32 with WebSockets turned off), with and without a terminal
 * (`-it`). The "container" is a real process
 * in a network namespace of this test, recorded where the node agent records containers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { netnsAdd, netnsDel, netnsList } from '../../../src/dataplane/netns.js';
import { KUBECTL, type KubectlApi, type KubectlEnv, kubectl, kubectlBinary, kubectlEnv, kubectlOk as ok, kubectlStream, startKubectlApi } from '../../helpers/apiserver-kubectl.js';
import { eventually } from '../../helpers/eventually.js';

const PREFIX = `t${Math.random().toString(36).slice(2, 7).padEnd(5, '0')}-`;
const NETNS = `${PREFIX}pod`;
const WS_OFF = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
const WS_ON = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'true' };

const TRANSPORTS = [
  { name: 'kubectl 1.32, WebSocket', bin: KUBECTL, env: {}, method: 'GET' },
  { name: 'kubectl 1.29 + KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true, WebSocket', bin: kubectlBinary('1.29'), env: WS_ON, method: 'GET' },
  { name: 'kubectl 1.29, SPDY', bin: kubectlBinary('1.29'), env: {}, method: 'POST' },
  { name: 'kubectl 1.28, SPDY', bin: kubectlBinary('1.28'), env: {}, method: 'POST' },
  { name: 'kubectl 1.27, SPDY', bin: kubectlBinary('1.27'), env: {}, method: 'POST' },
  { name: 'kubectl 1.32 with WebSockets off, SPDY', bin: KUBECTL, env: WS_OFF, method: 'POST' },
];

describe('kubectl exec and logs -f', () => {
  let root: string;
  let api: KubectlApi;
  let container: ChildProcess;
  const envs: KubectlEnv[] = [];

  /** Records a running pod on node1 whose container "main" is `pid`, as the agent would. */
  async function runningPod(name: string, pid: number): Promise<Pod> {
    const pod = await api.client.create<Pod>('pods', 'default', {
      metadata: { name },
      spec: { nodeName: 'node1', containers: [{ name: 'main', image: 'busybox' }] },
    });
    const dir = join(root, 'nodes', 'node1', 'pods', pod.metadata!.uid!, 'containers', 'main');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), `${pid}\n`);
    return api.client.updateStatus('pods', { ...pod, status: { ...pod.status, phase: 'Running' } });
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'podnet-exec-'));
    api = await startKubectlApi({ stateRoot: root });
    await netnsAdd(NETNS);
    // The container: a process in the pod's network namespace with its own hostname.
    container = spawn('ip', ['netns', 'exec', NETNS, 'unshare', '--uts', 'sh', '-c', 'hostname web-0 && exec sleep 600'], { stdio: 'ignore' });
    await eventually('the container to set its hostname', () => {
      const uts = spawnSync('nsenter', [`--target=${container.pid}`, '--uts', 'hostname'], { encoding: 'utf8' });
      return uts.stdout === 'web-0\n';
    });
    await runningPod('web-0', container.pid!);
  });
  after(async () => {
    container?.kill('SIGKILL');
    for (const e of envs) e.cleanup();
    await api?.close();
    await netnsDel(NETNS).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(await netnsList(PREFIX), [], 'no namespace of this test remains');
    assert.equal(existsSync(`/etc/netns/${NETNS}`), false);
  });

  for (const t of TRANSPORTS) {
    it(`${t.name}: output, namespaces, stdin, stderr and exit codes`, async () => {
      const k = kubectlEnv(api.server.url, tokenOf(api), { bin: t.bin, env: t.env });
      envs.push(k);
      const traced = await kubectl(k, ['-v=7', 'exec', 'web-0', '--', 'hostname']);
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout, 'web-0\n');
      assert.match(traced.stderr, new RegExp(`${t.method} https://\\S+/api/v1/namespaces/default/pods/web-0/exec\\?command=hostname`), 'the transport used');
      // Only lo: the command runs in the pod's network namespace, not the host's.
      const links = await ok(k, ['exec', 'web-0', '--', 'ip', '-o', 'link', 'show']);
      assert.deepEqual(links.trim().split('\n').map((l) => l.split(':')[1].trim()), ['lo']);
      assert.equal(await ok(k, ['exec', '-i', 'web-0', '--', 'sh', '-c', 'tr a-z A-Z'], 'hello from stdin\n'), 'HELLO FROM STDIN\n');
      const err = await kubectl(k, ['exec', 'web-0', '--', 'sh', '-c', 'echo out; echo oops >&2; exit 3']);
      assert.equal(err.code, 3);
      assert.equal(err.stdout, 'out\n');
      assert.match(err.stderr, /^oops$/m);
      assert.match(err.stderr, /command terminated with exit code 3/);
      const big = await ok(k, ['exec', 'web-0', '--', 'sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x']);
      assert.equal(big.length, 300000, 'large output crosses flow-control windows intact');
    });
  }

  for (const t of [TRANSPORTS[0], TRANSPORTS[2]]) {
    it(`${t.name}: exec -it gets a terminal of the client's size, with stdin and exit code`, async () => {
      const k = kubectlEnv(api.server.url, tokenOf(api), { bin: t.bin, env: t.env });
      envs.push(k);
      // kubectl asks for a tty only when its own stdin is a terminal: give it one, 100x30.
      const inTerminal = (cmd: string, input = ''): Promise<{ code: number; out: string }> =>
        new Promise((resolve) => {
          const child = execFile('script', ['-qfec', `stty cols 100 rows 30; ${t.bin} exec -it web-0 -- ${cmd}`, '/dev/null'], { env: k.env, timeout: 20_000 }, (err, stdout) =>
            // The outer terminal echoes its own stdin's end as ^@ wherever it falls: not the pod's output.
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout.replaceAll('^@', '') }),
          );
          child.stdin?.end(input);
        });
      const sized = await inTerminal(`sh -c 'tty; stty size; exit 4'`);
      assert.equal(sized.code, 4);
      assert.match(sized.out, /\/dev\/pts\/\d+\r\n30 100\r\n/);
      assert.match(sized.out, /command terminated with exit code 4/);
      const typed = await inTerminal(`sh -c 'read line; echo "got:$line"'`, 'hello\n');
      assert.equal(typed.code, 0, typed.out);
      assert.match(typed.out, /got:hello\r\n/);
    });
  }

  for (const t of [TRANSPORTS[0], TRANSPORTS[2]]) {
    it(`${t.name}: cp copies files out of and into the container (tar over exec)`, async () => {
      const k = kubectlEnv(api.server.url, tokenOf(api), { bin: t.bin, env: t.env });
      envs.push(k);
      const dir = mkdtempSync(join(root, 'cp-'));
      writeFileSync(join(dir, 'in-pod.txt'), 'inside\n'.repeat(1000));
      const out = await kubectl(k, ['cp', `default/web-0:${join(dir, 'in-pod.txt')}`, join(dir, 'copied-out.txt')]);
      assert.ok(existsSync(join(dir, 'copied-out.txt')), `kubectl cp exited ${out.code} without the file: ${out.stderr}`);
      assert.equal(readFileSync(join(dir, 'copied-out.txt'), 'utf8'), 'inside\n'.repeat(1000));
      writeFileSync(join(dir, 'local.txt'), 'from the laptop\n');
      await ok(k, ['cp', join(dir, 'local.txt'), `default/web-0:${join(dir, 'copied-in.txt')}`]);
      assert.equal(await ok(k, ['exec', 'web-0', '--', 'cat', join(dir, 'copied-in.txt')]), 'from the laptop\n');
    });
  }

  it('exec into a pod that is not running is refused with the upstream message', async () => {
    await api.client.create<Pod>('pods', 'default', { metadata: { name: 'pending' }, spec: { containers: [{ name: 'main', image: 'x' }] } });
    for (const t of [TRANSPORTS[0], TRANSPORTS[2]]) {
      const k = kubectlEnv(api.server.url, tokenOf(api), { bin: t.bin, env: t.env });
      envs.push(k);
      const r = await kubectl(k, ['exec', 'pending', '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /container not found \("main"\)/, `${t.name}: ${r.stderr}`);
    }
  });

  for (const t of [TRANSPORTS[0], TRANSPORTS[2]]) {
    it(`${t.name.split(',')[0]}: logs -f streams new lines and ends when the container ends`, async () => {
      const name = `logger-${t.bin.endsWith('29') ? '129' : '132'}`;
      const pod = await runningPod(name, container.pid!);
      const log = join(root, 'nodes', 'node1', 'pods', pod.metadata!.uid!, 'containers', 'main', '0.log');
      writeFileSync(log, '2026-11-23T18:00:00Z stdout F first\n');
      const k = kubectlEnv(api.server.url, tokenOf(api), { bin: t.bin });
      envs.push(k);
      const f = kubectlStream(k, ['logs', '-f', name]);
      try {
        await f.waitFor(/^first$/m);
        appendFileSync(log, '2026-11-23T18:00:01Z stdout P sec\n2026-11-23T18:00:01Z stdout F ond\n');
        await f.waitFor(/^second$/m);
        appendFileSync(log, '2026-11-23T18:00:02Z stderr F third\n');
        await f.waitFor(/^third$/m);
        assert.equal(f.child.exitCode, null, 'still following while the container runs');
        const cur = await api.client.get<Pod>('pods', 'default', name);
        await api.client.updateStatus('pods', {
          ...cur,
          status: { ...cur.status, phase: 'Succeeded', containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
        });
        await eventually('kubectl logs -f to exit', () => f.child.exitCode === 0, 10_000);
        assert.equal(f.output(), 'first\nsecond\nthird\n');
      } finally {
        await f.stop();
      }
    });
  }
});

function tokenOf(api: KubectlApi): string {
  return api.client.config.token!;
}

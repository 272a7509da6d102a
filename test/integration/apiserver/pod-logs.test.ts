/**
 * kubectl logs against pods/log: the apiserver reads the CRI log file a node agent writes under
 * the state root (docs/layout.md), with --tail, --timestamps, -c and -f.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/store.js';
import { Client } from '../../../src/client/client.js';
import type { Pod } from '../../../src/api/types.js';
import { type KubectlEnv, kubectl, kubectlEnv, kubectlStream } from '../../helpers/apiserver-kubectl.js';
import { renderCriLog } from '../../../src/apiserver/pod-logs.js';

describe('kubectl logs', () => {
  let root: string;
  let store: Store;
  let server: ApiServer;
  let c: Client;
  let k: KubectlEnv;
  let logFile: (pod: Pod, container: string) => string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'podnet-logs-'));
    store = await openStore({ kind: 'memory' });
    server = await startApiServer({ store, port: 0, stateRoot: root });
    c = new Client({ server: server.url });
    k = kubectlEnv(server.url);
    logFile = (pod, container) => {
      const dir = join(root, 'nodes', pod.spec!.nodeName!, 'pods', pod.metadata!.uid!, 'containers', container);
      mkdirSync(dir, { recursive: true });
      return join(dir, '0.log');
    };
  });
  after(async () => {
    c.close();
    await server.close();
    await store.close();
    k.cleanup();
    rmSync(root, { recursive: true, force: true });
    assert.equal(existsSync(k.home), false, 'no kubectl left writing into its HOME');
  });

  it('prints, tails, timestamps and follows the CRI log', async () => {
    const pod = await c.create<Pod>('pods', 'default', {
      metadata: { name: 'logger' },
      spec: { nodeName: 'node1', containers: [{ name: 'app', image: 'x' }, { name: 'side', image: 'y' }] },
    });
    const f = logFile(pod, 'app');
    appendFileSync(f, '2026-11-23T18:00:00.1Z stdout F first line\n2026-11-23T18:00:01Z stderr P sec\n2026-11-23T18:00:01Z stderr F ond line\n');
    const all = await kubectl(k, ['logs', 'logger', '-c', 'app']);
    assert.equal(all.stdout, 'first line\nsecond line\n', all.stderr);
    assert.equal((await kubectl(k, ['logs', 'logger', '-c', 'app', '--tail=1'])).stdout, 'second line\n');
    assert.equal((await kubectl(k, ['logs', 'logger', '-c', 'app', '--timestamps', '--tail=1'])).stdout, '2026-11-23T18:00:01Z second line\n');
    const noC = await kubectl(k, ['logs', 'logger', '--all-containers=false', '-c', 'nope']);
    assert.match(noC.stderr, /container nope is not valid for pod logger/);
    const waiting = await kubectl(k, ['logs', 'logger', '-c', 'side']);
    assert.match(waiting.stderr, /container "side" in pod "logger" is waiting to start: ContainerCreating/);

    const follow = kubectlStream(k, ['logs', '-f', 'logger', '-c', 'app']);
    try {
      await follow.waitFor(/second line\n/);
      appendFileSync(f, '2026-11-23T18:00:02Z stdout F third line\n');
      await follow.waitFor(/third line\n/);
      const cur = await c.get<Pod>('pods', 'default', 'logger');
      await c.updateStatus('pods', { ...cur, status: { ...cur.status, containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } }] } });
      const code = await new Promise<number | null>((resolve) => (follow.child.exitCode !== null ? resolve(follow.child.exitCode) : follow.child.on('exit', resolve)));
      assert.equal(code, 0);
    } finally {
      await follow.stop();
    }
  });

  it('renders CRI records: P pieces join, sinceSeconds filters', () => {
    const text = '2026-11-23T18:00:00Z stdout P a\n2026-11-23T18:00:00Z stdout F b\n2026-11-23T18:10:00Z stdout F c\nnot a record\n';
    assert.deepEqual(renderCriLog(text, { timestamps: false }), ['ab\n', 'c\n']);
    assert.deepEqual(renderCriLog(text, { timestamps: false, sinceSeconds: 60 }, Date.parse('2026-11-23T18:10:30Z')), ['c\n']);
  });
});

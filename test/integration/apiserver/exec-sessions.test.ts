/**
 * Upgraded sessions and the apiserver's lifetime: an exec session still running (over plain
 * http, where the http server no longer tracks the upgraded socket) does not hold close() up,
 * and its command's whole process group is killed with it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Pod } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';

describe('exec sessions and close()', () => {
  let root: string;
  let store: Store;
  let server: ApiServer | undefined;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'podnet-sessions-'));
    store = await openStore({ kind: 'memory' });
    server = await startApiServer({ store, port: 0, stateRoot: root });
  });
  after(async () => {
    await server?.close();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('close() ends a running session and its command', async () => {
    const client = new Client({ server: server!.url });
    const pod = await client.create<Pod>('pods', 'default', { metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
    const dir = join(root, 'nodes', 'n1', 'pods', pod.metadata!.uid!, 'containers', 'c');
    mkdirSync(dir, { recursive: true });
    // The test process stands in for the container: nsenter into its own namespaces changes nothing.
    writeFileSync(join(dir, 'pid'), `${process.pid}\n`);
    await client.updateStatus('pods', { ...pod, status: { ...pod.status, phase: 'Running' } });
    client.close();
    const url = `${server!.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/p/exec?command=sh&command=-c&command=echo%20started%20%24%24%3B%20sleep%2030%3B%20echo%20after&stdout=true`;
    const ws = new WebSocket(url, ['v5.channel.k8s.io']);
    let output = '';
    ws.on('message', (m: Buffer) => (output += m.subarray(1).toString()));
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    const pid = Number((await eventually('the session to start', () => /started (\d+)/.exec(output) ?? undefined))[1]);
    const t0 = Date.now();
    await server!.close();
    server = undefined;
    assert.ok(Date.now() - t0 < 3000, `close() took ${Date.now() - t0} ms`);
    await closed;
    // The command's whole process group (sh and its sleep) is gone.
    await eventually('the command to be killed', () => {
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    assert.doesNotMatch(output, /after/);
  });
});

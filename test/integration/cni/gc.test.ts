/**
 * GC through the runtime (spec 1.1.0, delegated mode): cached attachments that are no longer
 * valid are DELeted, and host-local releases reservations nobody owns any more (a DEL that
 * was lost, e.g. an agent killed between ADD and writing the cache).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ipJson } from '../../../src/dataplane/exec.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';

describe('CNI GC (spec 1.1.0)', () => {
  const fx = new CniFixture();
  let server: CniServer | undefined;
  after(async () => {
    await server?.close();
    await fx.teardown();
  });
  before(() => fx.setup());

  it('deletes stale cached attachments and releases orphaned reservations', async () => {
    const node = await fx.netns('gn');
    const confDir = join(fx.dir, 'net.d');
    const dataDir = join(fx.dir, 'networks');
    const cacheDir = join(fx.dir, 'results');
    await mkdir(confDir);
    await writeFile(join(confDir, '10-gc.conflist'), JSON.stringify({ cniVersion: '1.1.0', name: 'gcnet',
      plugins: [{ type: 'bridge', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.247.0.0/24' }]], dataDir } }] }));
    const socketPath = join(fx.dir, 'agent.sock');
    server = await startCniServer({ socketPath, hostNetns: node });
    const rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir, hostNetns: node, env: { PODNET_CNI_SOCKET: socketPath } });
    const pods = await Promise.all(['a', 'b', 'c'].map(async (x) => ({ containerId: `ctr-${x}`, netns: netnsPath(await fx.netns(`g${x}`)), ifName: 'eth0' })));
    for (const p of pods) await rt.addNetwork(p);
    await rm(join(cacheDir, 'gcnet-ctr-c-eth0'));

    const deleted = await rt.gcNetwork([{ containerId: 'ctr-a', ifName: 'eth0' }]);
    assert.deepEqual(deleted, [{ networkName: 'gcnet', containerId: 'ctr-b', ifName: 'eth0' }]);
    const ips = (await readdir(join(dataDir, 'gcnet'))).filter((f) => /^\d/.test(f));
    assert.deepEqual(ips, ['10.247.0.2'], 'only the valid attachment keeps its IP');
    assert.deepEqual(await readdir(cacheDir), ['gcnet-ctr-a-eth0']);
    const ports = await ipJson<unknown[]>(node, ['link', 'show', 'master', 'cni0']);
    assert.equal(ports.length, 2, 'b was DELeted through the plugins; c keeps its veth until its netns goes');
  });
});

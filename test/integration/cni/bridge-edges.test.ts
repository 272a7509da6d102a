/**
 * bridge edge cases in one long-lived server process: a node netns deleted and re-created
 * under the same name (the server's caches must not trust the name), and a pod netns given
 * as a path outside /run/netns (/proc/<pid>/ns/net, reached with nsenter).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ipJson, run } from '../../../src/dataplane/exec.js';
import { netnsAdd, netnsDel } from '../../../src/dataplane/netns.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';

describe('bridge plugin edge cases (delegated)', () => {
  const fx = new CniFixture();
  let server: CniServer | undefined;
  let rt: CniRuntime;
  let node: string;

  before(async () => {
    await fx.setup();
    node = await fx.netns('en');
    const confDir = join(fx.dir, 'net.d');
    await mkdir(confDir);
    await writeFile(join(confDir, '10-e.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'edge',
      plugins: [{ type: 'bridge', isGateway: true, isDefaultGateway: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.246.0.0/24' }]], dataDir: join(fx.dir, 'networks') } }] }));
    const socketPath = join(fx.dir, 'agent.sock');
    server = await startCniServer({ socketPath, hostNetns: node });
    rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'results'), hostNetns: node, env: { PODNET_CNI_SOCKET: socketPath } });
  });
  after(async () => {
    await server?.close();
    await fx.teardown();
  });

  const forwarding = async () => (await run('ip', ['netns', 'exec', node, 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim();

  it('re-creates the bridge and ip_forward when the node netns is re-created under the same name', async () => {
    const p1 = await fx.netns('e1');
    await rt.addNetwork({ containerId: 'c1', netns: netnsPath(p1), ifName: 'eth0' });
    assert.equal(await forwarding(), '1');
    await rt.delNetwork({ containerId: 'c1', netns: netnsPath(p1), ifName: 'eth0' });
    await netnsDel(node);
    await netnsAdd(node);
    assert.equal(await forwarding(), '0');
    const r = await rt.addNetwork({ containerId: 'c2', netns: netnsPath(p1), ifName: 'eth0' });
    assert.equal(await forwarding(), '1', 'ip_forward set in the new netns');
    const br = await ipJson<Array<{ address: string }>>(node, ['link', 'show', 'cni0']);
    assert.equal(br[0].address, r.interfaces![0].mac, 'result reports the new bridge');
    assert.equal((await run('ip', ['netns', 'exec', p1, 'ping', '-c1', '-W2', '10.246.0.1'], { allowFailure: true })).code, 0);
    await rt.delNetwork({ containerId: 'c2', netns: netnsPath(p1), ifName: 'eth0' });
  });

  it('reaches a pod netns given as /proc/<pid>/ns/net', async () => {
    const p2 = await fx.netns('e2');
    const holder = spawn('ip', ['netns', 'exec', p2, 'sleep', '60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      // `ip netns exec` execs sleep in place: the holder's pid is the process in the pod netns.
      const path = `/proc/${holder.pid}/ns/net`;
      const rc = { containerId: 'c3', netns: path, ifName: 'eth0' };
      const r = await rt.addNetwork(rc);
      assert.equal(r.interfaces![2].sandbox, path);
      const addrs = await ipJson<Array<{ addr_info: Array<{ local: string }> }>>(p2, ['-4', 'addr', 'show', 'dev', 'eth0']);
      assert.equal(addrs[0].addr_info[0].local, r.ips![0].address.split('/')[0]);
      await rt.checkNetwork(rc);
      await rt.delNetwork(rc);
      assert.deepEqual(await ipJson(p2, ['link', 'show', 'type', 'veth']), []);
    } finally {
      holder.kill();
    }
  });
});

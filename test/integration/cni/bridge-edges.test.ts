/**
 * bridge edge cases in one long-lived server process: a node netns deleted and re-created
 * under the same name (the server's caches must not trust the name), and a pod netns given
 * as a path outside /run/netns (/proc/<pid>/ns/net, reached with nsenter), and the gateway
 * conflict the reference reports when a second subnet's gateway would go on the same bridge.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
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

describe('bridge gateway conflicts (delegated, one server)', () => {
  const fx = new CniFixture();
  let server: CniServer | undefined;
  before(() => fx.setup());
  after(async () => {
    await server?.close();
    await fx.teardown();
  });

  it('refuses a second gateway on the bridge unless forceAddress, as the reference', async () => {
    const node = await fx.netns('gn');
    const socketPath = join(fx.dir, 'agent.sock');
    server = await startCniServer({ socketPath, hostNetns: node });
    const runtimeFor = async (tag: string, subnet: string, forceAddress: boolean) => {
      const confDir = join(fx.dir, tag);
      await mkdir(confDir);
      await writeFile(join(confDir, '10.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: tag,
        plugins: [{ type: 'bridge', isGateway: true, forceAddress, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: join(fx.dir, 'networks') } }] }));
      return new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'results'), hostNetns: node, env: { PODNET_CNI_SOCKET: socketPath } });
    };
    const first = await runtimeFor('one', '10.245.1.0/24', false);
    const second = await runtimeFor('two', '10.245.2.0/24', false);
    const forced = await runtimeFor('three', '10.245.3.0/24', true);
    const pods = await Promise.all(['1', '2', '3'].map((x) => fx.netns(`gp${x}`)));
    await first.addNetwork({ containerId: 'a', netns: netnsPath(pods[0]), ifName: 'eth0' });
    await assert.rejects(second.addNetwork({ containerId: 'b', netns: netnsPath(pods[1]), ifName: 'eth0' }), /already has an IP address different from 10\.245\.2\.1\/24/);
    assert.deepEqual(await readdirIps(join(fx.dir, 'networks', 'two')), [], 'the refused ADD released its IP');
    await forced.addNetwork({ containerId: 'c', netns: netnsPath(pods[2]), ifName: 'eth0' });
    const br = await ipJson<Array<{ addr_info: Array<{ family: string; local: string }> }>>(node, ['-4', 'addr', 'show', 'dev', 'cni0']);
    assert.deepEqual(br[0].addr_info.map((a) => a.local), ['10.245.3.1']);
  });
});

async function readdirIps(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => /^\d/.test(f));
}

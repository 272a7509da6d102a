/**
 * The runtime through the CNI server (delegated mode, the way a node agent runs it): a node
 * netns with cni0, two pod netns; ADD, ping, CHECK, DEL, DEL again, DEL with the netns gone,
 * and an ADD that fails after IPAM without leaking its IP.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ip, ipJson, run } from '../../../src/dataplane/exec.js';
import { netnsDel } from '../../../src/dataplane/netns.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniError } from '../../../src/cni/types.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';

for (const [mode, directShims, SUBNET] of [['runtime → socket', true, '10.250.7'], ["exec'd shim → curl", false, '10.250.8']] as const) {
  describe(`CNI runtime, delegated to the CNI server (${mode})`, () => {
    const fx = new CniFixture();
    let server: CniServer | undefined;
    let rt: CniRuntime;
    let node: string;
    let dataDir: string;
    let cacheDir: string;

    before(async () => {
      await fx.setup();
      node = await fx.netns('node');
      dataDir = join(fx.dir, 'networks');
      cacheDir = join(fx.dir, 'results');
      const confDir = join(fx.dir, 'net.d');
      await mkdir(confDir);
      await writeFile(join(confDir, '10-podnet.conflist'), JSON.stringify({
        cniVersion: '1.0.0', name: 'podnet',
        plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: `${SUBNET}.0/24` }]], dataDir } }],
      }));
      const socketPath = join(fx.dir, 'agent.sock');
      server = await startCniServer({ socketPath, hostNetns: node });
      rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir, hostNetns: node, env: { PODNET_CNI_SOCKET: socketPath }, directShims });
    });

    after(async () => {
      await server?.close();
      await fx.teardown();
    });

    const podConf = (id: string, ns: string) => ({ containerId: id, netns: netnsPath(ns), ifName: 'eth0', args: [['K8S_POD_NAMESPACE', 'default'], ['K8S_POD_NAME', id]] as Array<[string, string]> });
    const ipFiles = async () => (await readdir(join(dataDir, 'podnet'))).filter((n) => n.startsWith(SUBNET)).sort();
    const ping = (ns: string, dst: string) => run('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W2', dst], { allowFailure: true });

    it('connects two pods to cni0 and each other, checks, and deletes idempotently', async () => {
      const a = await fx.netns('pa');
      const b = await fx.netns('pb');
      const ra = await rt.addNetwork(podConf('ctr-a', a));
      const rb = await rt.addNetwork(podConf('ctr-b', b));
      assert.equal(ra.ips?.[0].address, `${SUBNET}.2/24`);
      assert.equal(rb.ips?.[0].address, `${SUBNET}.3/24`);
      assert.equal(ra.ips?.[0].interface, 2);
      assert.deepEqual(ra.interfaces?.map((i) => i.name.replace(/^veth[0-9a-f]{8}$/, 'vethX')), ['cni0', 'vethX', 'eth0']);
      assert.equal(ra.interfaces?.[2].sandbox, netnsPath(a));
      const br = await ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>>(node, ['addr', 'show', 'dev', 'cni0']);
      assert.ok(br[0].addr_info.some((x) => x.local === `${SUBNET}.1` && x.prefixlen === 24), 'gateway on cni0');
      assert.equal((await ping(a, `${SUBNET}.3`)).code, 0, 'pod A pings pod B');
      assert.equal((await ping(a, `${SUBNET}.1`)).code, 0, 'pod A pings the gateway');
      assert.equal((await ping(b, `${SUBNET}.2`)).code, 0, 'pod B pings pod A');
      await rt.checkNetwork(podConf('ctr-a', a));
      assert.deepEqual(await ipFiles(), [`${SUBNET}.2`, `${SUBNET}.3`]);

      const hostVeth = ra.interfaces![1].name;
      await rt.delNetwork(podConf('ctr-a', a));
      assert.deepEqual(await ipFiles(), [`${SUBNET}.3`], 'IP file of A released');
      await assert.rejects(ip(node, ['link', 'show', hostVeth]), 'host veth removed');
      await assert.rejects(ip(a, ['link', 'show', 'eth0']), 'pod eth0 removed');
      await rt.delNetwork(podConf('ctr-a', a));
      await assert.rejects(rt.checkNetwork(podConf('ctr-a', a)), CniError);

      await netnsDel(b);
      await rt.delNetwork(podConf('ctr-b', b));
      assert.deepEqual(await ipFiles(), [], 'IP of the pod whose netns is gone released');
      assert.equal(existsSync(join(cacheDir, 'podnet-ctr-b-eth0')), false, 'cache entry removed');
    });

    it('CHECK fails once the pod interface is gone', async () => {
      const c = await fx.netns('pc');
      await rt.addNetwork(podConf('ctr-c', c));
      await ip(c, ['link', 'del', 'eth0']);
      await assert.rejects(rt.checkNetwork(podConf('ctr-c', c)), (e: unknown) => e instanceof CniError && /eth0/.test(e.message));
      await rt.delNetwork(podConf('ctr-c', c));
      assert.deepEqual(await ipFiles(), []);
    });

    it('releases the IP when the bridge step fails after IPAM', async () => {
      const d = await fx.netns('pd');
      // An eth0 already in the pod makes the veth step fail after host-local allocated.
      await ip(d, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
      await assert.rejects(rt.addNetwork(podConf('ctr-d', d)), (e: unknown) => e instanceof CniError && /already exists/.test(e.msg));
      assert.deepEqual(await ipFiles(), [], 'no IP leaked');
      const links = await ipJson<Array<{ ifname: string }>>(node, ['link', 'show', 'type', 'veth']);
      assert.deepEqual(links, [], 'no host veth leaked');
    });

    it('reports a plugin error with its CNI code', async () => {
      const e = await rt.addNetwork({ containerId: 'ctr-e', netns: '/run/netns/does-not-exist-x', ifName: 'eth0' }).catch((x: unknown) => x);
      assert.ok(e instanceof CniError);
      assert.equal(e.code, 8);
      assert.deepEqual(await ipFiles(), []);
    });
    it('brings lo up and down through the loopback plugin', async () => {
      const l = await fx.netns('pl');
      await ip(l, ['link', 'set', 'lo', 'down']);
      const r = await rt.addLoopback({ containerId: 'ctr-l', netns: netnsPath(l) });
      assert.deepEqual(r.interfaces, [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: netnsPath(l) }]);
      assert.ok(r.ips?.some((x) => x.address === '127.0.0.1/8'));
      assert.equal((await ping(l, '127.0.0.1')).code, 0);
      await rt.delLoopback({ containerId: 'ctr-l', netns: netnsPath(l) });
      const lo = await ipJson<Array<{ flags: string[] }>>(l, ['link', 'show', 'lo']);
      assert.ok(!lo[0].flags.includes('UP'), 'lo is down after DEL');
      await netnsDel(l);
      await rt.delLoopback({ containerId: 'ctr-l', netns: netnsPath(l) });
    });

    it('serves concurrent ADDs with distinct IPs and one bridge', async () => {
      const names = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => fx.netns(`q${i}`)));
      const results = await Promise.all(names.map((n, i) => rt.addNetwork(podConf(`ctr-q${i}`, n))));
      const addrs = results.map((r) => r.ips![0].address);
      assert.equal(new Set(addrs).size, names.length, `distinct addresses: ${addrs.join(' ')}`);
      assert.equal((await ipFiles()).length, names.length);
      const last = addrs[addrs.length - 1].split('/')[0];
      assert.equal((await ping(names[0], last)).code, 0);
      await Promise.all(names.map((n, i) => rt.delNetwork(podConf(`ctr-q${i}`, n))));
      assert.deepEqual(await ipFiles(), []);
      const bridges = await ipJson<unknown[]>(node, ['link', 'show', 'type', 'bridge']);
      assert.equal(bridges.length, 1);
    });
  });
}

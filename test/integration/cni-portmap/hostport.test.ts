/**
 * hostPort for real: a node netns (eth0 on a link to an "outside" netns), bridge + portmap
 * through podnet's plugins, a pod serving HTTP on port 80 that answers with the source address
 * it sees. Standalone (exec'd shims) and delegated (the agent's CNI server) alike:
 * outside → nodeIP:hostPort reaches the pod unmasqueraded; the pod reaching itself through
 * nodeIP:hostPort (hairpin) and the node through 127.0.0.1:hostPort are masqueraded to the
 * gateway; CHECK passes, then fails naming the chain once a rule is gone; DEL removes exactly
 * the attachment's rules; GC removes those of attachments not listed as valid.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ipBatch, run } from '../../../src/dataplane/exec.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniError } from '../../../src/cni/types.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';
import { natRules } from '../../helpers/cni-differential.js';

const SERVER = "require('http').createServer((q, s) => s.end(q.socket.remoteAddress)).listen(80, '0.0.0.0', () => console.log('up'))";

async function serve(ns: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, 'node', '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`pod server exited ${code}`)));
  });
  return child;
}

const curl = async (ns: string, url: string) =>
  (await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '3', url], { allowFailure: true })).stdout;

for (const [mode, delegated, net] of [['standalone', false, '10.245.11'], ['delegated', true, '10.245.12']] as const) {
  describe(`portmap hostPort on real namespaces (${mode})`, () => {
    const fx = new CniFixture();
    let server: CniServer | undefined;
    let http: ChildProcess | undefined;
    let rt: CniRuntime;
    let node = '';
    let outside = '';
    const NODE_IP = `${net}.1`;
    const OUTSIDE_IP = `${net}.2`;
    const GW = '10.245.64.1';
    const pod = (id: string, ns: string, mappings: unknown[]) => ({ containerId: id, netns: netnsPath(ns), ifName: 'eth0', capabilityArgs: { portMappings: mappings } });

    before(async () => {
      await fx.setup();
      node = await fx.netns('node');
      outside = await fx.netns('out');
      await ipBatch(node, [`link add eth0 type veth peer name eth0 netns ${outside}`, `addr add ${NODE_IP}/24 dev eth0`, 'link set eth0 up', 'link set lo up']);
      await ipBatch(outside, [`addr add ${OUTSIDE_IP}/24 dev eth0`, 'link set eth0 up', 'link set lo up']);
      const confDir = join(fx.dir, 'net.d');
      await mkdir(confDir);
      await writeFile(join(confDir, '10-podnet.conflist'), JSON.stringify({
        cniVersion: '1.0.0', name: 'podnet',
        plugins: [
          { type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
            ipam: { type: 'host-local', ranges: [[{ subnet: '10.245.64.0/24' }]], dataDir: join(fx.dir, 'networks') } },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }));
      const socketPath = join(fx.dir, 'agent.sock');
      if (delegated) server = await startCniServer({ socketPath, hostNetns: node });
      rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'results'), hostNetns: node, ...(delegated ? { env: { PODNET_CNI_SOCKET: socketPath } } : {}) });
    });

    after(async () => {
      http?.kill();
      await server?.close();
      await fx.teardown();
    });

    it('forwards nodeIP:hostPort from outside, hairpin and localhost; CHECK; DEL removes exactly its rules', async () => {
      const p1 = await fx.netns('p1');
      await run('ip', ['-n', p1, 'link', 'set', 'lo', 'up']);
      const conf = pod('c1', p1, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
      const res = await rt.addNetwork(conf);
      assert.equal(res.ips?.[0].address, '10.245.64.2/24', 'portmap passes the bridge result through');
      http = await serve(p1);
      assert.equal(await curl(outside, `http://${NODE_IP}:8080/`), OUTSIDE_IP, 'outside client seen as itself');
      assert.equal(await curl(p1, `http://${NODE_IP}:8080/`), GW, 'hairpin: masqueraded to the gateway');
      assert.equal(await curl(node, 'http://127.0.0.1:8080/'), GW, 'localhost: route_localnet + masquerade');
      assert.equal(await curl(outside, `http://${NODE_IP}:8081/`), '', 'an unmapped port is not forwarded');
      await rt.checkNetwork(conf);

      const p2 = await fx.netns('p2');
      await rt.addNetwork(pod('c2', p2, [{ hostPort: 9090, containerPort: 80, protocol: 'tcp' }]));
      const both = await natRules(node);
      const chains = both.filter((l) => l.startsWith(':CNI-DN-'));
      assert.equal(chains.length, 2, 'one chain per attachment');
      const dnat = both.find((l) => l.includes('--to-destination 10.245.64.2:80'))!.split(' ')[1];
      await run('ip', ['netns', 'exec', node, 'iptables', '-t', 'nat', '-D', dnat, '-p', 'tcp', '-m', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '10.245.64.2:80']);
      await assert.rejects(rt.checkNetwork(conf), (e: CniError) => e.code === 999 && e.msg.includes(dnat));

      await rt.delNetwork(conf);
      await rt.delNetwork(conf);
      const left = await natRules(node);
      assert.deepEqual(left.filter((l) => l.includes(dnat)), [], 'the deleted attachment left nothing');
      assert.ok(left.some((l) => l.includes('--dports 9090')), "the other attachment's rules stay");
      assert.ok(left.includes('-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT'), 'shared chains stay, as the reference');
    });

    it('GC removes the rules of attachments that are not valid, keeps the valid ones', async () => {
      const p3 = await fx.netns('p3');
      await rt.addNetwork(pod('c3', p3, [{ hostPort: 7070, containerPort: 80, protocol: 'udp' }]));
      const gcConf = JSON.stringify({ cniVersion: '1.1.0', name: 'podnet', type: 'portmap', 'cni.dev/valid-attachments': [{ containerID: 'c2', ifname: 'eth0' }] });
      const env = { PATH: process.env.PATH, CNI_COMMAND: 'GC', CNI_PATH: SHIM_DIR, ...(server ? { PODNET_CNI_SOCKET: join(fx.dir, 'agent.sock') } : {}) };
      const out = await run('ip', ['netns', 'exec', node, join(SHIM_DIR, 'portmap')], { env, input: gcConf, allowFailure: true });
      assert.equal(out.code, 0, out.stdout);
      const left = await natRules(node);
      assert.equal(left.filter((l) => l.startsWith(':CNI-DN-')).length, 1, 'only the valid attachment keeps a chain');
      assert.ok(left.some((l) => l.includes('--dports 9090')), 'c2 (valid) keeps its entry');
      assert.ok(!left.some((l) => l.includes('--dports 7070')), 'c3 (not valid) lost its entry');
    });
  });
}

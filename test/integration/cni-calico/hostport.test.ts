/**
 * hostPort on the calico network, as the agent chains it (calico + calico-ipam, then portmap
 * with snat, from renderCalicoCniConfig): an outside host reaches the pod through
 * nodeIP:hostPort, the pod reaches itself the same way (hairpin), and DEL leaves no rule.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCalicoCniConfig } from '../../../src/agent/cni-config.js';
import { ipBatch, run } from '../../../src/dataplane/exec.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';
import { natRules } from '../../helpers/cni-differential.js';
import { type TestApi, startTestApi } from '../../helpers/controllers-apiserver.js';

const curl = async (ns: string, url: string) => (await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '3', url], { allowFailure: true })).stdout;

describe('hostPort on the calico network', () => {
  const fx = new CniFixture();
  let api: TestApi;
  let server: CniServer | undefined;
  let http: ChildProcess | undefined;

  before(async () => {
    await fx.setup();
    api = await startTestApi('cni-calico-hostport');
  });
  after(async () => {
    if (http && http.exitCode === null) {
      const exited = new Promise((r) => http!.once('exit', r));
      http.kill();
      await exited;
    }
    await server?.close();
    await fx.teardown();
    await api?.close();
  });

  it('outside client and hairpin reach the pod through nodeIP:hostPort; DEL removes the rules', async () => {
    const node = await fx.netns('node');
    const outside = await fx.netns('out');
    const podNs = await fx.netns('pod');
    await ipBatch(node, [`link add eth0 type veth peer name eth0 netns ${outside}`, 'addr add 10.245.30.1/24 dev eth0', 'link set eth0 up', 'link set lo up', 'route add default dev eth0']);
    await ipBatch(outside, ['addr add 10.245.30.2/24 dev eth0', 'link set eth0 up']);
    await run('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const confDir = join(fx.dir, 'net.d');
    await writeCalicoCniConfig(confDir, { nodeName: 'hp1', pool: '10.246.0.0/16', portmap: true });
    const socketPath = join(fx.dir, 'agent.sock');
    server = await startCniServer({ socketPath, hostNetns: node, apiClient: api.client });
    const rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'results'), hostNetns: node, env: { PODNET_CNI_SOCKET: socketPath }, directShims: true });
    const conf = {
      containerId: 'ctr-hp', netns: netnsPath(podNs), ifName: 'eth0', args: [['K8S_POD_NAMESPACE', 'default'], ['K8S_POD_NAME', 'web']] as Array<[string, string]>,
      capabilityArgs: { portMappings: [{ hostPort: 18081, containerPort: 80, protocol: 'tcp' }] },
    };
    const r = await rt.addNetwork(conf);
    const podIP = r.ips![0].address.split('/')[0];
    await run('ip', ['netns', 'exec', podNs, 'ip', 'link', 'set', 'lo', 'up']);
    http = spawn('ip', ['netns', 'exec', podNs, process.execPath, '-e', "require('http').createServer((q, s) => s.end('hi ' + q.socket.remoteAddress)).listen(80, '0.0.0.0', () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => http!.stdout!.once('data', resolve));
    assert.equal(await curl(outside, 'http://10.245.30.1:18081/'), 'hi 10.245.30.2');
    assert.match(await curl(podNs, 'http://10.245.30.1:18081/'), /^hi /, 'hairpin through the hostPort');
    assert.ok((await natRules(node)).some((l) => l.includes(`--to-destination ${podIP}:80`)));
    await rt.delNetwork(conf);
    assert.ok(!(await natRules(node)).some((l) => l.includes('CNI-DN-')), 'no per-pod rule remains');
    assert.equal(await curl(outside, 'http://10.245.30.1:18081/'), '', 'the hostPort is closed again');
  });
});

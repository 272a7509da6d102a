/**
 * hostPort the way the node agent wires it: the agent's conflist (bridge + portmap, written by
 * writeCniConfig because bin/cni/portmap exists), the agent's CNI server and its PodNetwork,
 * a Pod whose container asks for hostPort. A client in an outside netns reaches the pod
 * through nodeIP:hostPort, the pod reaches itself the same way, and tearDown leaves no rule.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../../src/api/types.js';
import { writeCniConfig } from '../../../src/agent/cni-config.js';
import { createCniNetwork } from '../../../src/agent/cni-network.js';
import { portMappings } from '../../../src/agent/pod-network.js';
import { ipBatch, run } from '../../../src/dataplane/exec.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniFixture, REPO, netnsPath } from '../../helpers/cni-fixture.js';
import { natRules } from '../../helpers/cni-differential.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'default', uid: 'uid-hp' },
  spec: { containers: [{ name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 18080 }] }] },
};

const curl = async (ns: string, url: string) =>
  (await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '3', url], { allowFailure: true })).stdout;

describe('hostPort through the agent\'s conflist and CNI server', () => {
  const fx = new CniFixture();
  let server: CniServer | undefined;
  let http: ChildProcess | undefined;

  before(() => fx.setup());
  after(async () => {
    http?.kill();
    await server?.close();
    await fx.teardown();
  });

  it('outside client and hairpin reach the pod through nodeIP:hostPort; tearDown removes the rules', async () => {
    assert.ok(existsSync(join(REPO, 'bin', 'cni', 'portmap')), 'the agent chains portmap because bin/cni/portmap exists');
    const node = await fx.netns('node');
    const outside = await fx.netns('out');
    const podNs = await fx.netns('pod');
    await ipBatch(node, [`link add eth0 type veth peer name eth0 netns ${outside}`, 'addr add 10.245.20.1/24 dev eth0', 'link set eth0 up']);
    await ipBatch(outside, ['addr add 10.245.20.2/24 dev eth0', 'link set eth0 up']);
    const nodeRoot = join(fx.dir, 'node1');
    await writeCniConfig(join(nodeRoot, 'cni', 'net.d'), { podCIDR: '10.245.80.0/24', dataDir: join(nodeRoot, 'cni', 'networks'), portmap: true });
    server = await startCniServer({ socketPath: join(nodeRoot, 'agent.sock'), hostNetns: node });
    const network = createCniNetwork({ nodeRoot, repoRoot: REPO, nodeNetns: node });
    const ref = { id: 'a'.repeat(64), netnsPath: netnsPath(podNs), namespace: 'default', name: 'web', uid: 'uid-hp', portMappings: portMappings(pod) };

    const podIP = await network.setUp(ref);
    http = spawn('ip', ['netns', 'exec', podNs, 'node', '-e', "require('http').createServer((q, s) => s.end('hi ' + q.socket.remoteAddress)).listen(80, '0.0.0.0', () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => http!.stdout!.once('data', resolve));
    assert.equal(await curl(outside, 'http://10.245.20.1:18080/'), 'hi 10.245.20.2');
    assert.equal(await curl(podNs, 'http://10.245.20.1:18080/'), 'hi 10.245.80.1', 'hairpin, masqueraded to cni0');
    assert.ok((await natRules(node)).some((l) => l.includes(`--to-destination ${podIP}:80`)));

    await network.tearDown(ref);
    await network.tearDown(ref);
    assert.ok(!(await natRules(node)).some((l) => l.includes('CNI-DN-')), 'no per-pod rule remains');
    assert.equal(await curl(outside, 'http://10.245.20.1:18080/'), '', 'the hostPort is closed again');
  });
});

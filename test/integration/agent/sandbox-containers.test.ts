/**
 * The agent's runtime on the real data plane, without an apiserver: a sandbox networked by the
 * real CNI runtime and plugins in a node netns, the seed-002 containers (httpd + bootcamp)
 * sharing its localhost, a busybox container with the service account mounted, and removal
 * leaving nothing behind.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { startCniServer, type CniServer } from '../../../src/cni/server.js';
import { writeCniConfig } from '../../../src/agent/cni-config.js';
import { createCniNetwork } from '../../../src/agent/cni-network.js';
import { createSandbox, type SandboxRecord, type SandboxDeps } from '../../../src/agent/sandbox.js';
import { syncContainer, type ContainerSyncDeps } from '../../../src/agent/container-sync.js';
import { Backoff } from '../../../src/agent/backoff.js';
import { podDir } from '../../../src/agent/pod-paths.js';
import { removePod } from '../../../src/agent/pod-termination.js';
import { defaultMasterService, podServiceEnv } from '../../../src/agent/service-env.js';
import { REPO, alive, destroyTestNode, eventually, inNetns, leftovers, makeTestNode, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

const pod: Pod = {
  metadata: { name: 'web-abc12', namespace: 'default', uid: 'uid-web-1' },
  spec: {
    nodeName: 'node1',
    containers: [
      { name: 'httpd-test', image: 'httpd' },
      { name: 'bootcamp-test', image: 'bootcamp:v1', ports: [{ containerPort: 8080, hostPort: 18080 }] },
      { name: 'shell', image: 'busybox', command: ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; echo to-stderr >&2; echo host=$(hostname) svc=$KUBERNETES_SERVICE_HOST; exec sleep 3600'] },
    ],
  },
};

describe('agent runtime on the real data plane', { timeout: 120_000 }, () => {
  let node: TestNode;
  let server: CniServer;
  let sandboxDeps: SandboxDeps;
  let deps: ContainerSyncDeps;
  let sandbox: SandboxRecord;
  let dir: string;
  const pids: SeenProcess[] = [];

  before(async () => {
    node = makeTestNode();
    dir = podDir(node.nodeRoot, pod.metadata!.uid!);
    await writeCniConfig(join(node.nodeRoot, 'cni', 'net.d'), { podCIDR: '10.244.0.0/24', dataDir: join(node.nodeRoot, 'cni', 'networks') });
    server = await startCniServer({ socketPath: join(node.nodeRoot, 'agent.sock'), hostNetns: node.netns });
    const network = createCniNetwork({ nodeRoot: node.nodeRoot, repoRoot: REPO, nodeNetns: node.netns });
    sandboxDeps = { clusterName: node.cluster, nodeNetns: node.netns, nodeIP: '172.18.0.11', network, token: 'tok-123', dns: { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local' } };
    deps = {
      backoff: new Backoff(),
      shimPath: join(REPO, 'dist', 'src', 'agent', 'container-shim.js'),
      nodePath: process.execPath,
      mainJs: join(REPO, 'dist', 'src', 'images', 'main.js'),
      serviceEnv: (p) => podServiceEnv(p, [defaultMasterService('10.96.0.1', 443)]),
      envSources: { configMap: async () => undefined, secret: async () => undefined },
      podDirOf: () => dir,
    };
  });

  after(async () => {
    pids.push(...recordedPids(node.nodeRoot));
    await server?.close();
    destroyTestNode(node, pids);
    assert.deepEqual(leftovers(node, pids), []);
  });

  it('creates a sandbox: netns, CNI IP from the node range, kubelet resolv.conf and hosts', async () => {
    sandbox = await createSandbox(dir, pod, sandboxDeps);
    assert.match(sandbox.netns, new RegExp(`^${node.cluster}-pod-[0-9a-f]{12}$`));
    assert.match(sandbox.podIP, /^10\.244\.0\.\d+$/);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')), sandbox);
    assert.equal(readFileSync(`/etc/netns/${sandbox.netns}/resolv.conf`, 'utf8'), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    assert.ok(readFileSync(`/etc/netns/${sandbox.netns}/hosts`, 'utf8').endsWith(`\n${sandbox.podIP}\tweb-abc12\n`));
    const addr = inNetns(sandbox.netns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout;
    assert.match(addr, new RegExp(`inet ${sandbox.podIP.replace(/\./g, '\\.')}/24`));
    assert.ok(existsSync(join(node.nodeRoot, 'cni', 'networks', 'cbr0', sandbox.podIP)), 'host-local reserved the IP');
    // libcni's cache shows what the runtime passed: the K8S_* args and the hostPort mapping.
    const cache = JSON.parse(readFileSync(join(node.nodeRoot, 'cni', 'results', `cbr0-${sandbox.id}-eth0`), 'utf8'));
    assert.deepEqual(cache.capabilityArgs, { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' }] });
    assert.deepEqual(cache.cniArgs[0], ['K8S_POD_NAMESPACE', 'default']);
  });

  it('starts the containers in the sandbox; they share localhost', async () => {
    for (const c of pod.spec!.containers) {
      const r = await syncContainer(pod, c, dir, sandbox, deps);
      assert.ok(r.view.state.running, `${c.name}: ${JSON.stringify(r.view.state)}`);
      assert.match(r.view.containerID ?? '', /^podnet:\/\/[0-9a-f]{64}$/);
    }
    pids.push(...recordedPids(node.nodeRoot));
    const httpd = await eventually(() => inNetns(sandbox.netns, ['curl', '-s', 'localhost:80']).stdout, 15_000, 'httpd');
    assert.equal(httpd, '<html><body><h1>It works!</h1></body></html>\n');
    const bootcamp = await eventually(() => inNetns(sandbox.netns, ['curl', '-s', 'localhost:8080']).stdout, 15_000, 'bootcamp');
    assert.equal(bootcamp, 'Hello Kubernetes bootcamp! | Running on: web-abc12 | v=1\n');
  });

  it('answers from the node netns on the pod IP (no NAT)', async () => {
    const out = inNetns(node.netns, ['curl', '-s', '--max-time', '5', `http://${sandbox.podIP}:8080/`]).stdout;
    assert.equal(out, 'Hello Kubernetes bootcamp! | Running on: web-abc12 | v=1\n');
    const log = readFileSync(join(dir, 'containers', 'httpd-test', '0.log'), 'utf8');
    assert.match(log, /^\S+Z stdout F /m);
  });

  it('gives a container the pod hostname, service account and service env; logs both streams', async () => {
    const log = await eventually(() => {
      const text = readFileSync(join(dir, 'containers', 'shell', '0.log'), 'utf8');
      return text.includes('host=') && text.includes('to-stderr') ? text : '';
    }, 10_000, 'shell log');
    assert.match(log, /^\S+ stdout F default$/m);
    assert.match(log, /^\S+ stderr F to-stderr$/m);
    assert.match(log, /^\S+ stdout F host=web-abc12 svc=10\.96\.0\.1$/m);
    const pid = Number(readFileSync(join(dir, 'containers', 'shell', 'pid'), 'utf8'));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes('HOSTNAME=web-abc12'));
    assert.ok(environ.includes('KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443'));
    // The token is mounted only inside the container's own mount namespace, not on the host.
    assert.equal(readdirSync('/var/run/secrets/kubernetes.io/serviceaccount').length, 0);
  });

  it('removes the pod: processes, netns, /etc/netns and the IP reservation are gone', async () => {
    const seen = recordedPids(node.nodeRoot);
    pids.push(...seen);
    await removePod(dir, 5, sandboxDeps);
    assert.equal(existsSync(`/run/netns/${sandbox.netns}`), false);
    assert.equal(existsSync(`/etc/netns/${sandbox.netns}`), false);
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(join(node.nodeRoot, 'cni', 'networks', 'cbr0', sandbox.podIP)), false);
    await eventually(() => seen.every((p) => !alive(p)), 5000, "processes to exit");
  });
});

/**
 * A real 2-node podnet cluster started with `podnet up --proxy-mode userspace`: cluster DNS (UDP)
 * and a Service (TCP) answer pods through the socket processes, connections alternate between
 * pods on both nodes, a NodePort answers the outside host, and `podnet down` leaves no socket
 * process, namespace or state behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Kubectl, leftovers, podnet, uniqueName, type RunResult } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';

const name = uniqueName('u');
let kubectl: Kubectl;
const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

const pod = (podName: string, node: string, image: string, rest: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}, labels: {app: ${podName.startsWith('web') ? 'web' : 'client'}}}
spec:
  nodeName: ${node}
  containers: [{name: c, image: ${image}, ${rest}}]
`;

const MANIFESTS = [
  pod('web1', 'node1', AGNHOST, 'args: [netexec, --http-port=8080]'),
  pod('web2', 'node2', AGNHOST, 'args: [netexec, --http-port=8080]'),
  pod('client', 'node2', 'busybox', 'command: [sleep, infinity]'),
  `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}
`,
].join('---\n');

const sh = (cmd: string, args: string[]): RunResult => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const inPod = (p: string, cmd: string): RunResult => podnet(['exec', '--name', name, p, '--', 'sh', '-c', cmd], 20_000);
const onHost = (machine: string, cmd: string): RunResult => sh('ip', ['netns', 'exec', `${name}-${machine}`, 'sh', '-c', cmd]);

function succeeds(what: string, attempt: () => RunResult, ms = 20_000): Promise<string> {
  return eventually(what, () => {
    const r = attempt();
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }, ms, 200);
}

/** The pids listening in a node's netns that run the userspace socket process. */
function socketProcessPids(node: string): number[] {
  const out = onHost(node, 'ss -H -ltnp').stdout;
  return [...new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))].filter((pid) => {
    const cmd = sh('cat', [`/proc/${pid}/cmdline`]).stdout;
    return cmd.includes('proxy/userspace/main.js');
  });
}

before(async () => {
  const up = podnet(['up', '--name', name, '--nodes', '2', '--proxy-mode', 'userspace']);
  assert.equal(up.status, 0, up.stderr + up.stdout);
  kubectl = new Kubectl(podnet(['kubeconfig', '--name', name]).stdout);
  kubectl.ok(['apply', '-f', '-'], MANIFESTS);
  kubectl.ok(['wait', '--for=condition=Ready', 'pod', '--all', '--timeout=60s']);
});

after(() => {
  const down = podnet(['down', '--name', name]);
  assert.equal(down.status, 0, down.stderr);
  assert.deepEqual(leftovers(name), []);
});

test('every node runs the userspace portals, not the nftables proxy table', () => {
  for (const node of ['node1', 'node2']) {
    const tables = onHost(node, 'nft list tables').stdout;
    assert.match(tables, /table ip kube-proxy-userspace/);
    assert.doesNotMatch(tables, /table ip kube-proxy\n/);
    assert.equal(socketProcessPids(node).length, 1, `one socket process in ${node}`);
  }
});

test('cluster DNS over UDP answers a pod through the proxy', async () => {
  const out = await succeeds('nslookup web', () => inPod('client', 'nslookup web.default.svc.cluster.local'));
  assert.match(out, /Address:\s*10\.\d+\.\d+\.\d+/);
});

test('a ClusterIP Service alternates between the pods on both nodes', async () => {
  await succeeds('web answers', () => inPod('client', 'wget -qO- -T 2 http://web/hostname'));
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) seen.add(inPod('client', 'wget -qO- -T 2 http://web/hostname').stdout.trim());
  assert.deepEqual([...seen].sort(), ['web1', 'web2']);
});

test('the outside host reaches the NodePort on either node', async () => {
  for (const ip of ['172.18.0.11', '172.18.0.12']) {
    const out = await succeeds(`NodePort on ${ip}`, () => onHost('outside', `curl -sS --max-time 2 http://${ip}:30080/hostname`));
    assert.match(out, /^web[12]$/);
  }
});

/** Gone, or a zombie waiting for init to reap it (its parent, the agent, exited first). */
function ended(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  return /^\d+ \(.*\) Z/.test(sh('cat', [`/proc/${pid}/stat`]).stdout);
}

test('podnet down ends the socket processes', async () => {
  const pids = [...socketProcessPids('node1'), ...socketProcessPids('node2')];
  assert.equal(pids.length, 2);
  const down = podnet(['down', '--name', name]);
  assert.equal(down.status, 0, down.stderr);
  await eventually('socket processes ended', () => pids.every(ended), 5000);
});

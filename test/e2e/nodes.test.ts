/**
 * End to end: nodes join and leave a running cluster (`podnet node add|remove`). A 2-node
 * cluster gains node3; a Deployment's pod lands on it; the test times until the other nodes
 * route to node3's pod CIDR, a pod on node1 reaches the node3 pod, and the Service's endpoints
 * include it; then node3 leaves, and the test times until routes and endpoints are gone and the
 * pod runs again elsewhere. Also: a container that re-execs itself under another argv[0] is one
 * process, Running, never restarted, and gone after its pod's deletion and after `podnet down`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kubectl, PODNET, leftovers, podnet, uniqueName } from '../helpers/cluster.js';

const name = uniqueName('e');
const root = join(process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet', name);
const base = String(100_000 + Math.floor(Math.random() * 800_000));
let kubectl: Kubectl;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });

/** Live (non-zombie) processes whose command line starts with `prefix`. */
function processesStartingWith(prefix: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const zombie = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
      return !zombie && readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').startsWith(prefix);
    } catch {
      return false;
    }
  }).map(Number);
}

/** The netns of pod `pod` on `node`, from the agent's sandbox.json. */
function podNetns(node: string, pod: string): string | undefined {
  const pods = join(root, 'nodes', node, 'pods');
  for (const uid of existsSync(pods) ? readdirSync(pods) : []) {
    try {
      const rec = JSON.parse(readFileSync(join(pods, uid, 'sandbox.json'), 'utf8'));
      if (rec.name === pod) return rec.netns;
    } catch {
      // Being written or removed.
    }
  }
  return undefined;
}

const routeTo = (node: string, cidr: string) => sh('ip', ['-n', `${name}-${node}`, 'route', 'show', cidr]).stdout.trim() !== '';

function endpointIPs(service: string): string[] {
  const r = kubectl.run(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`, '-o', 'json']);
  if (r.status !== 0) return [];
  const items = JSON.parse(r.stdout).items as { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[];
  return items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses));
}

/** Polls every check until all are true (or `ms` pass); returns ms from `t0` at which each first held. */
async function timeChecks(t0: number, checks: Record<string, () => boolean>, ms = 60_000): Promise<Record<string, number>> {
  const at: Record<string, number> = {};
  while (Object.keys(at).length < Object.keys(checks).length && Date.now() - t0 < ms) {
    for (const [k, check] of Object.entries(checks)) if (at[k] === undefined && check()) at[k] = Date.now() - t0;
    await sleep(100);
  }
  const missing = Object.keys(checks).filter((k) => at[k] === undefined);
  assert.deepEqual(missing, [], `not reached within ${ms / 1000} s`);
  return at;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: n3web}
spec:
  replicas: 1
  selector: {matchLabels: {app: n3web}}
  template:
    metadata: {labels: {app: n3web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: httpd, image: httpd}]
---
apiVersion: v1
kind: Service
metadata: {name: n3web}
spec:
  selector: {app: n3web}
  ports: [{port: 80, targetPort: 80}]
`;

const reexecPod = (pod: string, n: number) => `apiVersion: v1
kind: Pod
metadata: {name: ${pod}}
spec:
  nodeName: node2
  terminationGracePeriodSeconds: 2
  containers: [{name: c, image: busybox, command: [bash, -c, 'exec -a reexec-${base}-${n} sleep ${base}${n}']}]
`;

describe('nodes join and leave a running cluster', { timeout: 600_000 }, () => {
  let cidr3 = '';
  let webIP = '';
  let webPod = '';

  before(() => {
    const r = podnet(['up', '--name', name, '--nodes', '2']);
    assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
    kubectl = new Kubectl(podnet(['kubeconfig', '--name', name]).stdout);
    kubectl.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: node1
  containers: [{name: c, image: busybox, command: [sleep, infinity]}]
`);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/client', '--timeout=90s']);
  });

  after(() => {
    const r = podnet(['down', '--name', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(leftovers(name), [], 'podnet down left things behind');
    assert.deepEqual(processesStartingWith(`reexec-${base}`), [], 'a container process survived podnet down');
  });

  it('rejects bad arguments, naming them', () => {
    const bad = podnet(['node', 'add', '--name', name, 'Bad_Name']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /<node-name>: Invalid value "Bad_Name"/);
    const dup = podnet(['node', 'add', '--name', name, 'node1']);
    assert.match(dup.stderr, /<node-name>: Invalid value "node1": cluster "\w+" already has a node/);
    const missing = podnet(['node', 'remove', '--name', name, 'node9']);
    assert.match(missing.stderr, /<node-name>: Invalid value "node9": cluster "\w+" has nodes node1, node2/);
    assert.match(podnet(['node', 'remove', '--name', name]).stderr, /<node-name> is required/);
  });

  it('adds node3: Ready with a pod CIDR, routed from the others, its pod reached from node1 and in the endpoints', async () => {
    // The command runs while the test watches the other nodes' routes to the new pod CIDR.
    const t0 = Date.now();
    const add = spawn(process.execPath, [PODNET, 'node', 'add', '--name', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    add.stdout.on('data', (d: Buffer) => (out += d.toString()));
    add.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let addStatus: number | null | undefined;
    add.on('exit', (code) => (addStatus = code));
    const joined = await timeChecks(t0, {
      added: () => addStatus !== undefined,
      routes: () => {
        if (!cidr3) cidr3 = kubectl.run(['get', 'node', 'node3', '-o', 'jsonpath={.spec.podCIDR}']).stdout.trim();
        return cidr3 !== '' && routeTo('node1', cidr3) && routeTo('node2', cidr3);
      },
    }, 120_000);
    assert.equal(addStatus, 0, `node add failed:\n${out}`);
    assert.match(out, /Node node3 ready: 172\.18\.0\.13, pods 10\.244\.2\.0\/24/);
    const cfg = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8'));
    assert.deepEqual(cfg.nodes.map((n: { name: string }) => n.name), ['node1', 'node2', 'node3']);
    // Only node3 may take the Deployment's pod.
    kubectl.ok(['cordon', 'node1', 'node2']);
    const t1 = Date.now();
    kubectl.ok(['apply', '-f', '-'], deployment);
    const clientNs = podNetns('node1', 'client')!;
    const at = await timeChecks(t1, {
      reach: () => {
        if (!webIP) webIP = kubectl.run(['get', 'pods', '-l', 'app=n3web', '-o', 'jsonpath={.items[0].status.podIP}']).stdout.trim();
        return webIP !== '' && sh('ip', ['netns', 'exec', clientNs, 'curl', '-s', '--max-time', '1', `http://${webIP}/`]).stdout.includes('It works!');
      },
      endpoints: () => webIP !== '' && endpointIPs('n3web').includes(webIP),
    });
    kubectl.ok(['uncordon', 'node1', 'node2']);
    webPod = kubectl.ok(['get', 'pods', '-l', 'app=n3web', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
    assert.equal(kubectl.ok(['get', 'pod', webPod, '-o', 'jsonpath={.spec.nodeName}']).trim(), 'node3');
    assert.match(webIP, /^10\.244\.2\.\d+$/);
    const sinceAdd = t1 - t0;
    console.log(`node join: from the start of podnet node add: routes to ${cidr3} on node1+node2 ${joined.routes} ms, the command returned (Node Ready with podCIDR) ${joined.added} ms; from the Deployment's creation (${sinceAdd} ms after the add's start): node1 pod reaches the node3 pod ${at.reach} ms, Service endpoints include it ${at.endpoints} ms`);
  });

  it('removes node3: routes and endpoints gone on the others, the pod recreated elsewhere, nothing of node3 left', async () => {
    const netns3 = podNetns('node3', webPod);
    assert.ok(netns3, 'the node3 pod has a sandbox');
    const t0 = Date.now();
    const rm = spawn(process.execPath, [PODNET, 'node', 'remove', '--name', name, 'node3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    rm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    rm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let rmStatus: number | null | undefined;
    rm.on('exit', (code) => (rmStatus = code));
    const at = await timeChecks(t0, {
      removed: () => rmStatus !== undefined,
      routes: () => !routeTo('node1', cidr3) && !routeTo('node2', cidr3),
      endpoints: () => !endpointIPs('n3web').includes(webIP),
      replaced: () => endpointIPs('n3web').some((ip) => /^10\.244\.[01]\.\d+$/.test(ip)),
    }, 120_000);
    assert.equal(rmStatus, 0, `node remove failed:\n${out}`);
    console.log(`node leave: podnet node remove returned ${at.removed} ms; from its start: routes to ${cidr3} gone on node1+node2 ${at.routes} ms, endpoints without the node3 pod ${at.endpoints} ms, the replacement pod (node1/node2) in the endpoints ${at.replaced} ms`);
    assert.equal(kubectl.run(['get', 'node', 'node3']).status, 1, 'the Node object is gone');
    assert.equal(existsSync(`/run/netns/${name}-node3`), false);
    assert.equal(existsSync(`/run/netns/${netns3}`), false);
    assert.equal(existsSync(join(root, 'nodes', 'node3')), false);
    assert.equal(existsSync(join(root, 'run', 'agent-node3.pid')), false);
    const cfg = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8'));
    assert.deepEqual(cfg.nodes.map((n: { name: string }) => n.name), ['node1', 'node2']);
    assert.equal(sh('ip', ['-n', `${name}-underlay`, 'link', 'show', 'v-node3']).status, 1, 'the underlay port is gone');
  });

  it('a node added again after a removal reuses the free name and address', () => {
    const r = podnet(['node', 'add', '--name', name]);
    assert.equal(r.status, 0, `node add failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Node node3 ready: 172\.18\.0\.13/);
  });

  it('a container re-execing under another argv[0] is one process, Running, not restarted; its deletion kills it', async () => {
    kubectl.ok(['apply', '-f', '-'], reexecPod('reexec1', 1));
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/reexec1', '--timeout=60s']);
    await sleep(4000); // several agent syncs after the re-exec
    const st = JSON.parse(kubectl.ok(['get', 'pod', 'reexec1', '-o', 'json'])).status.containerStatuses[0];
    assert.ok(st.state.running, JSON.stringify(st));
    assert.equal(st.restartCount, 0);
    assert.equal(processesStartingWith(`reexec-${base}-1`).length, 1);
    kubectl.ok(['delete', 'pod', 'reexec1', '--wait=true', '--timeout=60s']);
    assert.deepEqual(processesStartingWith(`reexec-${base}-1`), []);
    // A second one is left running for `podnet down` (asserted in after).
    kubectl.ok(['apply', '-f', '-'], reexecPod('reexec2', 2));
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/reexec2', '--timeout=60s']);
    // Ready comes once the container started; its bash then re-execs (a few ms later).
    await timeChecks(Date.now(), { reexec: () => processesStartingWith(`reexec-${base}-2`).length === 1 }, 5000);
  });
});

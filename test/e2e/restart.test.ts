/**
 * End to end: `podnet restart` after a crash. On a running 2-node cluster with a Deployment,
 * the control plane and node1's agent are killed with SIGKILL (the process only, as a crash or
 * the OOM killer would); `podnet restart` starts exactly those two again, leaving the relay and
 * node2's agent alone. The pods are the same (names, UIDs, IPs), still reachable, the other
 * objects intact, the nodes Ready, and a new pod on node1 is made and reachable from node2.
 * A second run has nothing to restart; a bad --name, and a cluster whose namespaces are gone
 * (a host reboot), fail with errors saying what to do.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kubectl, clusterDown, clusterUp, leftovers, podnet, uniqueName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';

const name = uniqueName('r');
const stateBase = process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet';
const root = join(stateBase, name);
const rebooted = uniqueName('r');
let kubectl: Kubectl;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: rweb}
spec:
  replicas: 3
  selector: {matchLabels: {app: rweb}}
  template:
    metadata: {labels: {app: rweb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: httpd, image: httpd}]
`;
const configMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: rconf}
data: {kept: "yes"}
`;
const newPod = `apiVersion: v1
kind: Pod
metadata: {name: fresh}
spec:
  nodeName: node1
  terminationGracePeriodSeconds: 1
  containers: [{name: httpd, image: httpd}]
`;

interface PodSeen {
  name: string;
  uid: string;
  ip: string;
  node: string;
  phase: string;
}

function webPods(): PodSeen[] {
  const items = JSON.parse(kubectl.ok(['get', 'pods', '-l', 'app=rweb', '-o', 'json'])).items as {
    metadata: { name: string; uid: string };
    spec: { nodeName?: string };
    status: { podIP?: string; phase?: string };
  }[];
  return items
    .map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP ?? '', node: p.spec.nodeName ?? '', phase: p.status.phase ?? '' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const pid = (daemon: string) => Number(readFileSync(join(root, 'run', `${daemon}.pid`), 'utf8').trim());
const alive = (p: number) => spawnSync('kill', ['-0', String(p)]).status === 0;
const reaches = (fromNode: string, ip: string) =>
  spawnSync('ip', ['netns', 'exec', `${name}-${fromNode}`, 'curl', '-s', '--max-time', '2', `http://${ip}/`], { encoding: 'utf8', timeout: 10_000 }).stdout.includes('It works!');

async function kill9(daemon: string): Promise<number> {
  const p = pid(daemon);
  process.kill(p, 'SIGKILL');
  await eventually(`${daemon} (pid ${p}) gone`, () => !alive(p), 10_000);
  return p;
}

describe('podnet restart after a crash', { timeout: 600_000 }, () => {
  before(() => {
    kubectl = clusterUp(name);
  });

  after(() => {
    rmSync(join(stateBase, rebooted), { recursive: true, force: true });
    clusterDown(name);
    assert.deepEqual(leftovers(rebooted), []);
  });

  it('brings back the killed control plane and agent; pods, objects and networking intact', async () => {
    kubectl.ok(['apply', '-f', '-'], deployment + '---\n' + configMap);
    kubectl.ok(['rollout', 'status', 'deployment/rweb', '--timeout=120s']);
    const before = await eventually('rweb pods Running with IPs', () => {
      const ps = webPods();
      return ps.length === 3 && ps.every((p) => p.phase === 'Running' && p.ip) ? ps : undefined;
    }, 60_000);
    for (const p of before) await eventually(`${p.name} reachable from the other node before the crash`, () => reaches(p.node === 'node1' ? 'node2' : 'node1', p.ip), 30_000);
    const [relay, agent2] = [pid('relay'), pid('agent-node2')];

    const killed = [await kill9('controlplane'), await kill9('agent-node1')];
    const t0 = Date.now();
    const r = podnet(['restart', '--name', name]);
    const tookMs = Date.now() - t0;
    assert.equal(r.status, 0, `podnet restart failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Restarted controlplane \(pid \d+\)/);
    assert.match(r.stdout, /Restarted agent-node1 \(pid \d+\)/);
    assert.doesNotMatch(r.stdout, /Restarted (relay|agent-node2)/);
    assert.equal(pid('relay'), relay, 'the live relay was left alone');
    assert.equal(pid('agent-node2'), agent2, 'the live agent was left alone');
    for (const d of ['controlplane', 'agent-node1']) {
      assert.ok(alive(pid(d)) && !killed.includes(pid(d)), `${d} runs again under a new pid`);
    }
    console.log(`podnet restart (control plane + 1 agent dead): returned in ${tookMs} ms`);

    const nodes = JSON.parse(kubectl.ok(['get', 'nodes', '-o', 'json'])).items as { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
    assert.deepEqual(nodes.filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name).sort(), ['node1', 'node2']);
    const beat = Date.parse(kubectl.ok(['get', 'node', 'node1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}']));
    assert.ok(beat >= Math.floor(t0 / 1000) * 1000, 'restart returned after the restarted agent reported itself (not on the stale Ready)');
    assert.equal(kubectl.ok(['get', 'configmap', 'rconf', '-o', 'jsonpath={.data.kept}']), 'yes');
    // The restarted agent adopts its sandboxes: same pods, same IPs, still Running.
    await eventually('the same rweb pods (names, UIDs, IPs, nodes), Running', () => JSON.stringify(webPods()) === JSON.stringify(before), 60_000);
    for (const p of before) assert.ok(reaches(p.node === 'node1' ? 'node2' : 'node1', p.ip), `${p.name} reachable after the restart`);

    kubectl.ok(['apply', '-f', '-'], newPod);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/fresh', '--timeout=90s']);
    const freshIP = kubectl.ok(['get', 'pod', 'fresh', '-o', 'jsonpath={.status.podIP}']).trim();
    assert.ok(freshIP && !before.some((p) => p.ip === freshIP), `fresh pod has a new IP (${freshIP})`);
    await eventually('node2 reaches the new pod on node1', () => reaches('node2', freshIP), 30_000);
    kubectl.ok(['scale', 'deployment/rweb', '--replicas=4']);
    kubectl.ok(['rollout', 'status', 'deployment/rweb', '--timeout=120s']);
  });

  it('has nothing to restart when every daemon runs', () => {
    const pids = ['controlplane', 'relay', 'agent-node1', 'agent-node2'].map(pid);
    const r = podnet(['restart', '--name', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nothing to restart/);
    assert.doesNotMatch(r.stdout, /Restarted/);
    assert.deepEqual(['controlplane', 'relay', 'agent-node1', 'agent-node2'].map(pid), pids);
  });

  it('names --name when the cluster does not exist or the name is invalid', () => {
    const missing = podnet(['restart', '--name', uniqueName('z')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--name: Cluster "z[a-z0-9]{5}" does not exist/);
    const bad = podnet(['restart', '--name', 'Not_A_Name']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--name: Invalid value "Not_A_Name"/);
  });

  it('refuses a cluster whose namespaces are gone (host reboot) and says to recreate it', () => {
    // The state root survives a reboot, /run/netns does not: the same cluster.json, no namespaces.
    const cfg = readFileSync(join(root, 'cluster.json'), 'utf8').split(name).join(rebooted);
    mkdirSync(join(stateBase, rebooted, 'run'), { recursive: true });
    writeFileSync(join(stateBase, rebooted, 'cluster.json'), cfg);
    const r = podnet(['restart', '--name', rebooted]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`namespaces are gone \\(${rebooted}-`));
    assert.match(r.stderr, new RegExp(`podnet down --name ${rebooted} && podnet up --name ${rebooted}`));
  });
});

/**
 * End to end: a cluster on an external etcd is taken down and brought up again under the same
 * name (`podnet down` keeps the etcd keys; `up` resumes from them, as a k3s server does). The
 * pods still in the API were left with the old status (Running, old IP) while every sandbox
 * was removed with the state root: each must come back with a new sandbox whose eth0 holds the
 * IP its status shows and which answers from the node, never Running on an empty sandbox.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Kubectl, clusterDown, clusterUp, uniqueName } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';

const name = uniqueName('c');
const root = join(process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet', name);
let etcd: EtcdServer;
let kubectl: Kubectl;

const pod = (n: string, node: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${n}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers: [{name: web, image: httpd}]
`;

interface Rec {
  netns: string;
  podIP: string;
}

function sandboxOf(node: string, podName: string): Rec | undefined {
  const dir = join(root, 'nodes', node, 'pods');
  for (const uid of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      const rec = JSON.parse(readFileSync(join(dir, uid, 'sandbox.json'), 'utf8')) as Rec & { name: string };
      if (rec.name === podName && rec.podIP) return rec;
    } catch {
      // Being written.
    }
  }
  return undefined;
}

const eth0Addrs = (netns: string) => {
  const out = spawnSync('ip', ['-n', netns, '-j', '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).stdout || '[]';
  return (JSON.parse(out) as { addr_info: { local: string }[] }[]).flatMap((l) => l.addr_info.map((a) => a.local));
};

/** Waits until the pod's sandbox holds, on eth0, the IP its status shows; returns that IP. */
async function sandboxMatchingStatus(ns: string, p: string, node: string): Promise<string> {
  const rec = await eventually(`${p} to get a new sandbox`, () => sandboxOf(node, p), 60_000, 200);
  const ip = await eventually(`${p}'s status to show the new sandbox's IP`, () => {
    const st = kubectl.run(['get', 'pod', '-n', ns, p, '-o', 'jsonpath={.status.podIP}']).stdout.trim();
    return st === rec.podIP && st;
  }, 30_000, 200);
  assert.deepEqual(eth0Addrs(rec.netns), [ip], `${ns}/${p}'s sandbox ${rec.netns} has eth0 with its IP`);
  return ip;
}

const httpFromNode = (node: string, ip: string) =>
  spawnSync('ip', ['netns', 'exec', `${name}-${node}`, 'curl', '-s', '--max-time', '2', `http://${ip}/`], { encoding: 'utf8' }).stdout;

describe('a cluster brought down and up again on the same etcd', { timeout: 600_000 }, () => {
  before(async () => {
    etcd = await startEtcd();
    kubectl = clusterUp(name, ['--nodes', '2', '--datastore-endpoint', etcd.endpoint]);
  });

  after(async () => {
    clusterDown(name);
    await etcd?.stop();
  });

  it('gives every pod left in the API a new working sandbox with the IP its status shows', async () => {
    kubectl.ok(['apply', '-f', '-'], pod('keep1', 'node1') + '---\n' + pod('keep2', 'node2'));
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/keep1', 'pod/keep2', '--timeout=90s']);
    clusterDown(name);
    kubectl = clusterUp(name, ['--nodes', '2', '--datastore-endpoint', etcd.endpoint]);
    for (const [p, node] of [['keep1', 'node1'], ['keep2', 'node2']]) {
      const ip = await sandboxMatchingStatus('default', p, node);
      await eventually(`${p} to answer on ${ip} from ${node}`, () => httpFromNode(node, ip).includes('It works!'), 30_000, 200);
    }
    // The cluster DNS pods came back the same way.
    const dns = JSON.parse(kubectl.ok(['get', 'pods', '-n', 'kube-system', '-o', 'json'])).items as { metadata: { name: string }; spec: { nodeName: string } }[];
    assert.ok(dns.length > 0);
    for (const p of dns) await sandboxMatchingStatus('kube-system', p.metadata.name, p.spec.nodeName);
  });
});

/**
 * The pod network's three principles and egress on a real cluster of one flannel backend
 * (`podnet up --backend <b>`): two agnhost pods pinned to node1 and node2 and an HTTP server on
 * the outside host that answers with the client address it sees.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterRoot } from '../../src/cluster/config.js';
import { Kubectl, leftovers, podnet, uniqueName } from './cluster.js';
import { killChild, startEchoServer } from './proxy-netns.js';

const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
const NODE_IPS: Record<string, string> = { node1: '172.18.0.11', node2: '172.18.0.12' };

const podYaml = (name: string, node: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: principles}}
spec:
  nodeName: ${node}
  containers: [{name: c, image: ${AGNHOST}, args: [netexec, --http-port=8080]}]
`;

interface PodInfo { name: string; node: string; ip: string }

/** What a backend's own checks get: podnet exec on this cluster and each node's spec.podCIDR. */
export interface BackendCluster {
  name: string;
  exec(args: string[]): string;
  podCIDR(node: string): string;
  kubectl(): Kubectl;
}

/** Runs around the cluster: extra `podnet up` flags (e.g. an etcd datastore) and their cleanup. */
export interface BackendHooks {
  /** Added to the suite's name (e.g. "leases in etcd"). */
  label?: string;
  beforeUp?: () => Promise<string[]>;
  afterDown?: () => Promise<void>;
}

export function backendPrinciples(backend: 'vxlan' | 'host-gw' | 'bgp', extra?: (c: BackendCluster) => void, hooks: BackendHooks = {}): void {
  // flannel's backends, or Calico's bgp (as `podnet status` names them).
  const label = backend === 'bgp' ? 'calico bgp' : `flannel ${backend}`;
  const name = uniqueName('b');
  let kubectl: Kubectl;
  let outside: ChildProcess | undefined;
  const pods: PodInfo[] = [{ name: 'pa', node: 'node1', ip: '' }, { name: 'pb', node: 'node2', ip: '' }];
  const exec = (args: string[]): string => {
    const r = podnet(['exec', '--name', name, ...args], 30_000);
    assert.equal(r.status, 0, `podnet exec ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  };
  /** What agnhost's /clientip (ip:port) says the server saw, minus the port. */
  const seenBy = (from: string[], server: PodInfo) => exec([...from, '--', 'curl', '-s', '--max-time', '5', `http://${server.ip}:8080/clientip`]).replace(/:\d+$/, '');

  describe(`pod network principles, ${label} backend${hooks.label ? `, ${hooks.label}` : ''}`, { timeout: 240_000 }, () => {
    before(async () => {
      const upArgs = (await hooks.beforeUp?.()) ?? [];
      const r = podnet(['up', '--name', name, '--nodes', '2', '--backend', backend, ...upArgs]);
      assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
      kubectl = new Kubectl(podnet(['kubeconfig', '--name', name]).stdout);
      kubectl.ok(['apply', '-f', '-'], pods.map((p) => podYaml(p.name, p.node)).join('---\n'));
      kubectl.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=principles', '--timeout=60s']);
      for (const p of pods) p.ip = kubectl.ok(['get', 'pod', p.name, '-o', 'jsonpath={.status.podIP}']).trim();
      outside = await startEchoServer(`${name}-outside`, 8081);
    });

    after(async () => {
      await killChild(outside);
      const r = podnet(['down', '--name', name]);
      assert.equal(r.status, 0, r.stderr);
      await hooks.afterDown?.();
      assert.deepEqual(leftovers(name), [], 'podnet down left things behind');
    });

    it(`cluster.json records the ${backend} backend and podnet status shows it`, () => {
      const cfg = JSON.parse(readFileSync(join(clusterRoot(name), 'cluster.json'), 'utf8')) as { backend?: string };
      assert.equal(cfg.backend, backend);
      assert.match(podnet(['status', '--name', name]).stdout, new RegExp(`backend +${label}, ${backend === 'bgp' ? 'BIRD full iBGP mesh' : 'leases in '}`));
    });

    it('pods talk to pods on the other node without NAT: the server sees the client pod IP', () => {
      assert.equal(seenBy([pods[0].name], pods[1]), pods[0].ip);
      assert.equal(seenBy([pods[1].name], pods[0]), pods[1].ip);
    });

    it('a node talks to a pod on the other node without NAT: the server sees an address of that node', () => {
      const seen = seenBy(['--node', 'node1'], pods[1]);
      // host-gw and bgp leave by eth0 (the node IP); vxlan by flannel.1, whose address is the node's lease network address.
      const want = backend !== 'vxlan' ? NODE_IPS.node1 : exec(['--node', 'node1', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'flannel.1']).split(/\s+/)[3].split('/')[0];
      assert.equal(seen, want);
    });

    it('a pod sees its own IP as others see it (hostname -i, eth0, status.podIP)', () => {
      for (const p of pods) {
        assert.equal(exec([p.name, '--', 'hostname', '-i']), p.ip);
        assert.equal(exec([p.name, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).split(/\s+/)[3].split('/')[0], p.ip);
      }
      assert.equal(seenBy([pods[1].name], pods[0]), pods[1].ip);
    });

    it('egress: a pod reaches the outside host, which sees the node IP, never a pod IP', () => {
      for (const p of pods) {
        assert.equal(exec([p.name, '--', 'curl', '-s', '--max-time', '5', 'http://172.18.0.200:8081/']), NODE_IPS[p.node]);
      }
    });

    const podCIDR = (node: string) => kubectl.ok(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}']).trim();
    if (extra) extra({ name, exec, podCIDR, kubectl: () => kubectl });
  });
}

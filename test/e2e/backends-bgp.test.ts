/**
 * End to end on `podnet up --backend bgp` (Calico's way): the pod network principles and egress
 * masquerade, a /26 block per node from Calico IPAM (no node pod CIDR), BIRD's full mesh
 * Established, each remote block routed `proto bird` via its node, pods wired with 169.254.1.1
 * and proxy ARP, a 3rd node joining and leaving the mesh (timed), and no BIRD left after down.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterRoot } from '../../src/cluster/config.js';
import { podnet } from '../helpers/cluster.js';
import { killDaemon, restartDaemon } from '../helpers/churn-daemons.js';
import { backendPrinciples, type BackendCluster } from '../helpers/overlay-backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NODE_IPS: Record<string, string> = { node1: '172.18.0.11', node2: '172.18.0.12', node3: '172.18.0.13' };

/** Polls `check` every 100 ms until true; returns the milliseconds it took from `t0`. */
async function timeUntil(what: string, limitMs: number, check: () => boolean, t0 = Date.now()): Promise<number> {
  while (!check()) {
    if (Date.now() - t0 > limitMs) assert.fail(`${what}: not within ${limitMs} ms`);
    await sleep(100);
  }
  return Date.now() - t0;
}

const POD_ON_NODE3 = `apiVersion: v1
kind: Pod
metadata: {name: pc}
spec:
  nodeName: node3
  containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=8080]}]
`;

interface Affinity { spec: { node: string; cidr: string; state: string } }

/** The confirmed block of each node, from the BlockAffinities (one per node here). */
function blocksByNode(c: BackendCluster): Map<string, string[]> {
  const list = JSON.parse(c.kubectl().ok(['get', 'blockaffinities', '-o', 'json'])) as { items: Affinity[] };
  const out = new Map<string, string[]>();
  for (const a of list.items.filter((x) => x.spec.state === 'confirmed')) out.set(a.spec.node, [...(out.get(a.spec.node) ?? []), a.spec.cidr]);
  return out;
}

const ipNum = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const inCidr = (ip: string, cidr: string) => {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(ipNum(ip) / size) === Math.floor(ipNum(base) / size);
};
/** `ip route` lines trimmed (ip ends some with a space). */
const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
const ctl = (name: string, node: string) => join(clusterRoot(name), 'nodes', node, 'calico', 'bird.ctl');
const sessions = (c: BackendCluster, node: string) => c.exec(['--node', node, '--', 'birdc', '-s', ctl(c.name, node), 'show', 'protocols']);
/**
 * node1's graceful restart of its session with node2 is over: Established and node2's End-of-RIB
 * received. A second crash before that flushes the stale routes (RFC 4724 §4.2), so a test of one
 * crash must not start inside the previous one's window.
 */
const node1GrDone = (c: BackendCluster) => {
  const all = c.exec(['--node', 'node1', '--', 'birdc', '-s', ctl(c.name, 'node1'), 'show', 'protocols', 'all', 'Mesh_172_18_0_12']);
  return /BGP state:\s+Established/.test(all) && !/Neighbor graceful restart active/.test(all);
};

/**
 * node1's route to `dst`, read with `ip -n` (a few ms, where `podnet exec` takes a Node start):
 * the timings below poll it every 100 ms.
 */
function node1Route(name: string, dst: string): string {
  const r = spawnSync('ip', ['-n', `${name}-node1`, 'route', 'show', dst], { encoding: 'utf8' });
  return lines(r.stdout).join('\n');
}

/** No process of the cluster's (BIRD above all) may outlive `podnet down`. */
function birdsOf(name: string): string[] {
  const root = clusterRoot(name);
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return cmd.includes(`${root}/`) && /\bbird\b/.test(cmd) ? [`${p}: ${cmd}`] : [];
    } catch {
      return [];
    }
  });
}

let clusterName = '';

backendPrinciples('bgp', (c) => {
  clusterName = c.name;
  const podIP = (pod: string) => c.kubectl().ok(['get', 'pod', pod, '-o', 'jsonpath={.status.podIP}']).trim();

  it('no node gets a pod CIDR; each node has a confirmed /26 block and its pods\' IPs come from it', () => {
    for (const n of ['node1', 'node2']) assert.equal(c.kubectl().ok(['get', 'node', n, '-o', 'jsonpath={.spec.podCIDR}']).trim(), '');
    const blocks = blocksByNode(c);
    for (const [pod, node] of [['pa', 'node1'], ['pb', 'node2']]) {
      const mine = blocks.get(node) ?? [];
      assert.ok(mine.length >= 1 && mine.every((b) => /^10\.244\.\d+\.\d+\/26$/.test(b)), `${node}: ${mine.join(', ')}`);
      assert.ok(mine.some((b) => inCidr(podIP(pod), b)), `${pod} ${podIP(pod)} not in ${node}'s blocks ${mine.join(', ')}`);
    }
  });

  it('BIRD runs in each node with the mesh Established, and routes each remote block via its node (proto bird)', () => {
    const blocks = blocksByNode(c);
    for (const [me, peer] of [['node1', 'node2'], ['node2', 'node1']]) {
      assert.match(sessions(c, me), new RegExp(`Mesh_${NODE_IPS[peer].replace(/\./g, '_')}\\s+BGP\\s+---\\s+up\\s+\\S+\\s+Established`));
      const routes = lines(c.exec(['--node', me, '--', 'ip', 'route', 'show', 'root', '10.244.0.0/16']));
      for (const b of blocks.get(peer) ?? []) assert.ok(routes.includes(`${b} via ${NODE_IPS[peer]} dev eth0 proto bird src ${NODE_IPS[me]}`), `${me} lacks ${peer}'s ${b}: ${routes.join(' | ')}`);
      for (const b of blocks.get(me) ?? []) assert.ok(routes.includes(`blackhole ${b} proto bird`), `${me} lacks its blackhole ${b}`);
    }
  });

  it('podnet status shows each node\'s blocks and BGP sessions, as calicoctl node status', () => {
    const out = podnet(['status', '--name', c.name]).stdout;
    assert.match(out, /node1 +Ready +172\.18\.0\.11 +blocks 10\.244\.\d+\.\d+\/26\S* +bgp: node2 Established +pods \d+/);
    assert.match(out, /node2 +Ready +172\.18\.0\.12 +blocks 10\.244\.\d+\.\d+\/26\S* +bgp: node1 Established +pods \d+/);
  });

  it('pods are wired the Calico way: eth0 /32, 169.254.1.1 gateway, cali veth with proxy ARP and a /32 route on the node', () => {
    const ip = podIP('pa');
    assert.deepEqual(lines(c.exec(['pa', '--', 'ip', 'route'])), ['default via 169.254.1.1 dev eth0', '169.254.1.1 dev eth0 scope link']);
    assert.match(c.exec(['pa', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/32 `));
    // libcalico-go's host veth name: cali + the first 11 hex of sha1("<namespace>.<pod>").
    const veth = `cali${createHash('sha1').update('default.pa').digest('hex').slice(0, 11)}`;
    assert.equal(lines(c.exec(['--node', 'node1', '--', 'ip', 'route', 'show', `${ip}/32`])).join('\n'), `${ip} dev ${veth} scope link`);
    assert.equal(c.exec(['--node', 'node1', '--', 'cat', `/proc/sys/net/ipv4/conf/${veth}/proxy_arp`]), '1');
  });

  it('BIRD killed with -9 on node2 is restarted by calico-node; pod-to-pod traffic across nodes keeps flowing', async (t) => {
    const pidFile = join(clusterRoot(c.name), 'nodes', 'node2', 'calico', 'bird.pid');
    const old = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(old, 'SIGKILL');
    const t0 = Date.now();
    // persist on node2 and graceful restart on node1: the routes stay while BIRD is down.
    assert.equal(c.exec(['pa', '--', 'curl', '-s', '--max-time', '5', `http://${podIP('pb')}:8080/clientip`]).replace(/:\d+$/, ''), podIP('pa'));
    const ms = await timeUntil('node2 Established again with a new BIRD', 30_000, () => {
      let pid = old;
      try {
        pid = Number(readFileSync(pidFile, 'utf8').trim());
      } catch {
        // Between two BIRDs.
      }
      return pid !== old && /Mesh_172_18_0_11\s+BGP\s+---\s+up\s+\S+\s+Established/.test(sessions(c, 'node2'));
    }, t0);
    t.diagnostic(`node2's BIRD back and Established ${ms} ms after kill -9`);
    await timeUntil('node1 done with node2\'s graceful restart (End-of-RIB)', 30_000, () => node1GrDone(c));
    assert.equal(c.exec(['pb', '--', 'curl', '-s', '--max-time', '5', `http://${podIP('pa')}:8080/clientip`]).replace(/:\d+$/, ''), podIP('pb'));
  });

  it('agent killed with -9 on node2: its BIRD lives on, the restarted agent replaces it; routes and traffic never stop', async (t) => {
    const birdsIn = (node: string) => lines(spawnSync('ip', ['netns', 'pids', `${c.name}-${node}`], { encoding: 'utf8' }).stdout)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'bird';
        } catch {
          return false; // exited between the listing and the read
        }
      });
    assert.ok(node1GrDone(c), 'the previous crash\'s graceful restart is over');
    const [orphan] = birdsIn('node2');
    assert.ok(orphan, 'no BIRD in node2');
    assert.equal(await killDaemon(c.name, 'agent-node2'), true);
    assert.deepEqual(birdsIn('node2'), [orphan], 'BIRD died with its agent');
    const block = (blocksByNode(c).get('node2') ?? [])[0];
    const routed = () => node1Route(c.name, block) === `${block} via 172.18.0.12 dev eth0 proto bird src 172.18.0.11`;
    const t0 = Date.now();
    restartDaemon(c.name, 'agent-node2');
    let lost = 0;
    const ms = await timeUntil('a new BIRD in node2, Established with node1', 60_000, () => {
      if (!routed()) lost++;
      const now = birdsIn('node2');
      return now.length === 1 && now[0] !== orphan && /Mesh_172_18_0_11\s+BGP\s+---\s+up\s+\S+\s+Established/.test(sessions(c, 'node2'));
    }, t0);
    t.diagnostic(`restarted agent-node2 replaced the orphan BIRD, Established again ${ms} ms after the restart`);
    assert.equal(lost, 0, 'node1 lost node2\'s block during the handover');
    assert.equal(c.exec(['pa', '--', 'curl', '-s', '--max-time', '5', `http://${podIP('pb')}:8080/clientip`]).replace(/:\d+$/, ''), podIP('pa'));
  });

  it('a 3rd node joins the mesh and leaves it (podnet node add|remove); routes on node1 follow, timed', async (t) => {
    const t0 = Date.now();
    const add = podnet(['node', 'add', '--name', c.name, 'node3'], 120_000);
    assert.equal(add.status, 0, `node add failed: ${add.stderr}${add.stdout}`);
    const addMs = Date.now() - t0;
    const established = () => /Mesh_172_18_0_13\s+BGP\s+---\s+up\s+\S+\s+Established/.test(sessions(c, 'node1'));
    const meshMs = await timeUntil('node1 Established with node3', 20_000, established, t0);
    // node3 claims a block with its first pod; node1 must route it.
    const t1 = Date.now();
    c.kubectl().ok(['apply', '-f', '-'], POD_ON_NODE3);
    c.kubectl().ok(['wait', '--for=condition=Ready', 'pod/pc', '--timeout=60s']);
    const block = (blocksByNode(c).get('node3') ?? [])[0];
    assert.ok(block && inCidr(podIP('pc'), block), `node3's block ${block} and pc ${podIP('pc')}`);
    const want = `${block} via 172.18.0.13 dev eth0 proto bird src 172.18.0.11`;
    const routed = () => node1Route(c.name, block) === want;
    const routeMs = await timeUntil('node1 routes node3\'s block', 20_000, routed, t1);
    assert.equal(c.exec(['pa', '--', 'curl', '-s', '--max-time', '5', `http://${podIP('pc')}:8080/clientip`]).replace(/:\d+$/, ''), podIP('pa'));
    const t2 = Date.now();
    const rm = podnet(['node', 'remove', '--name', c.name, 'node3'], 120_000);
    assert.equal(rm.status, 0, `node remove failed: ${rm.stderr}${rm.stdout}`);
    const rmReturned = Date.now();
    const gone = () => node1Route(c.name, block) === '';
    const leaveMs = await timeUntil('node1 drops node3\'s block', 10_000, gone, t2);
    assert.doesNotMatch(sessions(c, 'node1'), /Mesh_172_18_0_13/);
    // Calico's IPAM controller releases a deleted node's affinities (and its empty blocks).
    await timeUntil('node3\'s block affinities released', 30_000, () => !blocksByNode(c).has('node3'));
    t.diagnostic(
      `bgp node join: node add returned in ${addMs} ms, node1 Established with node3 ${meshMs} ms after node add started; ` +
        `node3's first block routed on node1 ${routeMs} ms after its first pod was created (pod start included); ` +
        `leave: node3's block gone from node1 ${leaveMs} ms after node remove started (${Math.max(0, t2 + leaveMs - rmReturned)} ms after it returned)`,
    );
    assert.match(c.kubectl().ok(['get', 'nodes', '-o', 'name']), /^node\/node1\nnode\/node2\n$/);
  });
}, {
  // After `podnet down`: no BIRD of this cluster may survive.
  afterDown: async () => assert.deepEqual(birdsOf(clusterName), [], 'BIRD processes outlived podnet down'),
});

/**
 * Three node namespaces on an underlay, one real BIRD each with the bird.cfg podnet renders
 * (literal block lists): the full iBGP mesh comes up, every node routes every remote block via
 * its node IP (`proto bird`), only blocks (and borrowed /32s) are exported, a new block needs no
 * restart, a BIRD killed with -9 comes back without its peers losing its routes (graceful
 * restart), and a peer removed from the mesh takes its routes with it. Convergence is timed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BirdDaemon, bgpSessions, renderBirdConfig, type BgpPeer } from '../../../src/calico/bgp/index.js';
import { ip, ipBatch } from '../../../src/dataplane/exec.js';
import { attachNode, makeUnderlay } from '../../helpers/overlay-underlay.js';
import { cleanupPrefix, leftovers, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const UL = `${P}underlay`;
const dir = mkdtempSync(join(tmpdir(), 'podnet-bird-'));
const POOL = '10.244.0.0/16';
interface TestNode { name: string; ns: string; ip: string; blocks: string[]; bird?: BirdDaemon }
const nodes: TestNode[] = [
  { name: 'node1', ns: `${P}node1`, ip: '172.18.0.11', blocks: ['10.244.0.0/26'] },
  { name: 'node2', ns: `${P}node2`, ip: '172.18.0.12', blocks: ['10.244.0.64/26'] },
  { name: 'node3', ns: `${P}node3`, ip: '172.18.0.13', blocks: ['10.244.0.128/26'] },
];
let mesh: BgpPeer[] = nodes.map((n) => ({ name: n.name, ip: n.ip }));
const config = (n: TestNode) => renderBirdConfig({ nodeIP: n.ip, peers: mesh, blocks: n.blocks, pools: [POOL] });
/** `ip route show root <dst>`, each line trimmed (ip ends some with a space). */
const routes = async (n: TestNode, dst = POOL) => (await ip(n.ns, ['route', 'show', 'root', dst])).split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timeUntil(what: string, limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > limitMs) assert.fail(`${what}: not within ${limitMs} ms`);
    await sleep(50);
  }
  return Date.now() - t0;
}

/** What node `n` should route: its blackholes and each other node's blocks via that node. */
function expectedRoutes(n: TestNode, others = nodes): string {
  const lines = [
    ...n.blocks.map((b) => ({ b, line: `blackhole ${b} proto bird` })),
    ...others.filter((o) => o !== n).flatMap((o) => o.blocks.map((b) => ({ b, line: `${b} via ${o.ip} dev eth0 proto bird src ${n.ip}` }))),
  ];
  const key = (c: string) => c.split(/[./]/).reduce((a, x, i) => (i < 4 ? a * 256 + Number(x) : a), 0);
  return lines.sort((a, b) => key(a.b) - key(b.b)).map((l) => l.line).join('\n');
}

let convergedMs = 0;

before(async () => {
  await makeUnderlay(UL);
  for (const [i, n] of nodes.entries()) await attachNode(UL, n.ns, `veth-n${i + 1}`, `${n.ip}/16`);
  const t0 = Date.now();
  for (const n of nodes) {
    n.bird = new BirdDaemon({ netns: n.ns, dir: join(dir, n.name), logPrefix: n.name, log: () => undefined });
    await n.bird.start(config(n));
  }
  const all = async () => (await Promise.all(nodes.map(async (n) => (await routes(n)) === expectedRoutes(n)))).every(Boolean);
  await timeUntil('mesh converged', 20_000, all);
  convergedMs = Date.now() - t0;
});

after(async () => {
  for (const n of nodes) await n.bird?.stop();
  await cleanupPrefix(P);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(await leftovers(P), []);
});

test('the mesh converges: every node routes each remote /26 via its node IP, proto bird', async (t) => {
  t.diagnostic(`3 BIRDs started one after the other: all routes in place ${convergedMs} ms after the first start`);
  assert.ok(convergedMs < 10_000, `converged in ${convergedMs} ms`);
  assert.equal(await routes(nodes[0]), ['blackhole 10.244.0.0/26 proto bird', '10.244.0.64/26 via 172.18.0.12 dev eth0 proto bird src 172.18.0.11', '10.244.0.128/26 via 172.18.0.13 dev eth0 proto bird src 172.18.0.11'].join('\n'));
  for (const n of nodes) {
    const sessions = await bgpSessions(n.bird!.paths.ctl);
    assert.deepEqual(sessions.map((s) => `${s.name} ${s.info}`).sort(), nodes.filter((o) => o !== n).map((o) => `Mesh_${o.ip.replace(/\./g, '_')} Established`));
  }
});

test('only blocks and borrowed /32s are exported: a workload /32 inside a local block and a non-pool route stay home', async () => {
  const n1 = nodes[0];
  // No dummy module here: veth pairs inside node1 stand for a workload's cali interface and another link.
  await ipBatch(n1.ns, ['link add calitest0 type veth peer name calitest1', 'link add other0 type veth peer name other1', ...['calitest0', 'calitest1', 'other0', 'other1'].map((l) => `link set ${l} up`)]);
  // A workload of node1's own block, an IP node1 borrowed from another block, and a route outside the pool.
  await ipBatch(n1.ns, ['route add 10.244.0.5/32 dev calitest0 scope link', 'route add 10.244.9.7/32 dev calitest0 scope link', 'route add 192.168.50.0/24 dev other0']);
  try {
    const n2 = nodes[1];
    await timeUntil('node2 learns the borrowed /32', 10_000, async () => (await routes(n2, '10.244.9.7/32')) === `10.244.9.7 via 172.18.0.11 dev eth0 proto bird src 172.18.0.12`);
    assert.equal(await routes(n2, '10.244.0.5/32'), '', 'a /32 inside node1\'s block is covered by the block route');
    assert.equal((await ip(n2.ns, ['route', 'show', '192.168.50.0/24'])).trim(), '');
    assert.equal(await routes(n2), `${expectedRoutes(n2)}\n10.244.9.7 via 172.18.0.11 dev eth0 proto bird src 172.18.0.12`.split('\n').sort(byPrefixAddr).join('\n'));
  } finally {
    await ipBatch(n1.ns, ['link del calitest0', 'link del other0']);
  }
  await timeUntil('the borrowed /32 is withdrawn with its route', 10_000, async () => (await routes(nodes[1], '10.244.9.7/32')) === '');
});

function byPrefixAddr(a: string, b: string): number {
  const key = (l: string) => {
    const dst = l.replace(/^blackhole /, '').split(' ')[0];
    return dst.split(/[./]/).slice(0, 4).reduce((s, x) => s * 256 + Number(x), 0);
  };
  return key(a) - key(b);
}

test('a new block is announced by birdc configure, without restarting BIRD', async (t) => {
  const n2 = nodes[1];
  const pid = n2.bird!.pid;
  n2.blocks = ['10.244.0.64/26', '10.244.1.0/26'];
  assert.equal(await n2.bird!.configure(config(n2)), true);
  assert.equal(await n2.bird!.configure(config(n2)), false, 'an unchanged config is not applied again');
  const ms = await timeUntil('node1 routes the new block', 10_000, async () => (await routes(nodes[0], '10.244.1.0/26')) === `10.244.1.0/26 via 172.18.0.12 dev eth0 proto bird src 172.18.0.11`);
  t.diagnostic(`new block on node2 routed by node1 ${ms} ms after birdc configure`);
  assert.equal(n2.bird!.pid, pid);
  assert.equal(await routes(n2, '10.244.1.0/26'), 'blackhole 10.244.1.0/26 proto bird');
});

test('BIRD killed with -9 is started again; its peers keep its routes meanwhile (graceful restart)', async (t) => {
  const n2 = nodes[1];
  const old = n2.bird!.pid!;
  process.kill(old, 'SIGKILL');
  const t0 = Date.now();
  // persist: node2's own kernel routes stay; graceful restart: node1 keeps node2's blocks.
  while (Date.now() - t0 < 1500) {
    assert.equal(await routes(nodes[0]), expectedRoutes(nodes[0]), 'node1 lost node2\'s routes while node2\'s BIRD restarted');
    assert.equal(await routes(n2), expectedRoutes(n2), 'node2 lost its kernel routes when BIRD died');
    await sleep(100);
  }
  const ms = await timeUntil('sessions back', 20_000, async () => {
    if (n2.bird!.pid === undefined || n2.bird!.pid === old) return false;
    return (await bgpSessions(n2.bird!.paths.ctl).catch(() => [])).filter((s) => s.info === 'Established').length === 2;
  });
  t.diagnostic(`node2's BIRD restarted by its daemon; both sessions Established again ${ms + 1500} ms after kill -9`);
  assert.equal(n2.bird!.starts, 2);
  for (const n of nodes) assert.equal(await routes(n), expectedRoutes(n));
});

test('a peer removed from the mesh takes its routes with it; a stopped BIRD leaves no routes or files', async (t) => {
  const [n1, n2, n3] = nodes;
  mesh = mesh.filter((p) => p.name !== 'node3');
  const t0 = Date.now();
  await Promise.all([n1.bird!.configure(config(n1)), n2.bird!.configure(config(n2))]);
  await timeUntil('node3\'s block gone from node1 and node2', 10_000, async () => (await routes(n1, '10.244.0.128/26')) === '' && (await routes(n2, '10.244.0.128/26')) === '');
  t.diagnostic(`node3 left the mesh: its block withdrawn on node1 and node2 ${Date.now() - t0} ms after birdc configure`);
  assert.equal(await routes(n1), expectedRoutes(n1, [n1, n2]));
  await n3.bird!.stop();
  assert.equal((await ip(n3.ns, ['route', 'show', 'proto', 'bird'])).trim(), '');
  for (const f of Object.values(n3.bird!.paths)) assert.equal(existsSync(f), false, `${f} left behind`);
  assert.equal(n3.bird!.pid, undefined);
});

/**
 * calico + calico-ipam on the real data plane, through the agent's path (CniRuntime → CNI
 * server with the API client) against a real apiserver: two node netns on a test underlay,
 * pods on both; the Calico wiring (cali veth, /32, 169.254.1.1, proxy ARP, host /32 route),
 * ping on one node through proxy ARP and across nodes over block routes (what BGP would
 * install), CHECK, DEL leaving nothing (link, route, allocation, handle), DEL again, DEL with
 * the netns gone; standalone: the exec'd plugin with `kubernetes.kubeconfig`, and without it a
 * CNI error naming the field.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ip, ipJson, run } from '../../../src/dataplane/exec.js';
import { netnsDel } from '../../../src/dataplane/netns.js';
import { CniRuntime, type RuntimeConf } from '../../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../../src/cni/server.js';
import { CniError } from '../../../src/cni/types.js';
import { CalicoIpam, listAffineBlocks } from '../../../src/calico/ipam/index.js';
import { Client } from '../../../src/client/client.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';
import type { IPAMBlock } from '../../../src/api/calico.js';
import { type TestApi, startTestApi } from '../../helpers/controllers-apiserver.js';

const POOL = '10.251.0.0/16';
const NET = 'k8s-pod-network';

interface RouteJson { dst: string; gateway?: string; dev?: string; scope?: string }
interface LinkJson { ifname: string; address: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }

const vethFor = (ns: string, pod: string): string => `cali${createHash('sha1').update(`${ns}.${pod}`).digest('hex').slice(0, 11)}`;
const sysctl = async (ns: string, key: string): Promise<string> => (await run('ip', ['netns', 'exec', ns, 'sysctl', '-n', key])).stdout.trim();
const ping = (ns: string, dst: string) => run('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W2', dst], { allowFailure: true });

describe('calico CNI plugin (delegated, real apiserver)', () => {
  const fx = new CniFixture();
  let api: TestApi;
  const servers: CniServer[] = [];
  const rts: Record<string, CniRuntime> = {};
  const nodes: Record<string, string> = {};

  async function makeNode(name: string, addr: string): Promise<void> {
    const ns = nodes[name];
    await ip(ns, ['addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    await ip(ns, ['link', 'set', 'eth0', 'up']);
    await ip(ns, ['link', 'set', 'lo', 'up']);
    // A node's default route: proxy ARP answers only for a destination routed through another interface.
    await ip(ns, ['route', 'add', 'default', 'dev', 'eth0']);
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const confDir = join(fx.dir, name, 'net.d');
    await mkdir(confDir, { recursive: true });
    await writeFile(join(confDir, '10-calico.conflist'), JSON.stringify({
      // 1.1.0 as the agent writes it, so that GC reaches the plugins.
      name: NET, cniVersion: '1.1.0',
      plugins: [{ type: 'calico', mtu: 1500, nodename: name, ipam: { type: 'calico-ipam', ipv4_pools: [POOL] } }],
    }));
    const socketPath = join(fx.dir, name, 'agent.sock');
    servers.push(await startCniServer({ socketPath, hostNetns: ns, apiClient: api.client }));
    rts[name] = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, name, 'results'), hostNetns: ns, env: { PODNET_CNI_SOCKET: socketPath }, directShims: true });
  }

  before(async () => {
    api = await startTestApi('cni-calico-test');
    await fx.setup();
    nodes.n1 = await fx.netns('n1');
    nodes.n2 = await fx.netns('n2');
    await ip(nodes.n1, ['link', 'add', 'eth0', 'netns', nodes.n1, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nodes.n2]);
    await makeNode('n1', '172.31.0.1');
    await makeNode('n2', '172.31.0.2');
  });

  after(async () => {
    for (const s of servers) await s.close();
    await fx.teardown();
    await api?.close();
  });

  const pod = (name: string, netns: string): RuntimeConf => ({
    containerId: `ctr-${name}`, netns: netnsPath(netns), ifName: 'eth0', args: [['K8S_POD_NAMESPACE', 'default'], ['K8S_POD_NAME', name]],
  });

  it('wires pods the Calico way, pings on one node through proxy ARP and across nodes, CHECKs, DELs without leftovers', async () => {
    const a1 = await fx.netns('a1');
    const a2 = await fx.netns('a2');
    const b1 = await fx.netns('b1');
    const ra1 = await rts.n1.addNetwork(pod('a1', a1));
    const ra2 = await rts.n1.addNetwork(pod('a2', a2));
    const rb1 = await rts.n2.addNetwork(pod('b1', b1));
    const [blockA] = await listAffineBlocks(api.client, 'n1');
    const [blockB] = await listAffineBlocks(api.client, 'n2');
    assert.match(blockA, /^10\.251\.\d+\.\d+\/26$/);
    assert.notEqual(blockA, blockB);
    const ipA1 = ra1.ips![0].address.split('/')[0];
    const ipA2 = ra2.ips![0].address.split('/')[0];
    const ipB1 = rb1.ips![0].address.split('/')[0];
    assert.equal(ra1.ips![0].address, `${ipA1}/32`);
    assert.equal(ra2.ips![0].address, `${blockA.split('.').slice(0, 3).join('.')}.${Number(ipA1.split('.')[3]) + 1}/32`, 'next ordinal of the same block');
    assert.deepEqual(ra1.interfaces!.map((i) => i.name), [vethFor('default', 'a1'), 'eth0']);

    // Pod side: eth0 with the /32, 169.254.1.1 link route, default via it; IPv4 forwarding off.
    const podLink = (await ipJson<LinkJson[]>(a1, ['addr', 'show', 'dev', 'eth0']))[0];
    assert.deepEqual(podLink.addr_info.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`), [`${ipA1}/32`]);
    const podRoutes = await ipJson<RouteJson[]>(a1, ['route', 'show']);
    assert.deepEqual(podRoutes.map((r) => [r.dst, r.gateway ?? '', r.dev, r.scope ?? '']), [['default', '169.254.1.1', 'eth0', ''], ['169.254.1.1', '', 'eth0', 'link']]);
    assert.equal(await sysctl(a1, 'net.ipv4.ip_forward'), '0');

    // Host side: cali veth with ee:ee:..., no address, proxy ARP on, a /32 scope link route.
    const veth = vethFor('default', 'a1');
    const hostLink = (await ipJson<LinkJson[]>(nodes.n1, ['addr', 'show', 'dev', veth]))[0];
    assert.equal(hostLink.address, 'ee:ee:ee:ee:ee:ee');
    assert.deepEqual(hostLink.addr_info.filter((x) => x.family === 'inet'), []);
    const hostRoutes = await ipJson<RouteJson[]>(nodes.n1, ['route', 'show', 'dev', veth]);
    assert.deepEqual(hostRoutes.map((r) => [r.dst, r.scope]), [[ipA1, 'link']]);
    for (const [key, want] of [['proxy_arp', '1'], ['forwarding', '1'], ['route_localnet', '1']]) assert.equal(await sysctl(nodes.n1, `net.ipv4.conf.${veth}.${key}`), want, key);
    assert.equal(await sysctl(nodes.n1, `net.ipv4.neigh.${veth}.proxy_delay`), '0');

    // Same node: the pod's ARP for 169.254.1.1 is answered by the host (proxy ARP, ee:ee:...).
    assert.equal((await ping(a1, ipA2)).code, 0, 'a1 pings a2 on the same node');
    const neigh = await ipJson<Array<{ dst: string; lladdr?: string }>>(a1, ['neigh', 'show', 'dev', 'eth0']);
    assert.equal(neigh.find((n) => n.dst === '169.254.1.1')?.lladdr, 'ee:ee:ee:ee:ee:ee');
    // Across nodes: the block routes a BGP speaker would install.
    await ip(nodes.n1, ['route', 'add', blockB, 'via', '172.31.0.2', 'dev', 'eth0']);
    await ip(nodes.n2, ['route', 'add', blockA, 'via', '172.31.0.1', 'dev', 'eth0']);
    assert.equal((await ping(a1, ipB1)).code, 0, 'a1 pings b1 on the other node');
    assert.equal((await ping(nodes.n2, ipA1)).code, 0, 'node n2 pings a1');

    await rts.n1.checkNetwork(pod('a1', a1));
    await ip(nodes.n1, ['route', 'del', `${ipA1}/32`, 'dev', veth]);
    await assert.rejects(rts.n1.checkNetwork(pod('a1', a1)), /host route to .* not found/);
    await ip(nodes.n1, ['route', 'add', `${ipA1}/32`, 'dev', veth, 'scope', 'link']);

    // DEL: nothing left of a1, and again; DEL after the netns went.
    const ipam = new CalicoIpam(api.client);
    await rts.n1.delNetwork(pod('a1', a1));
    await assert.rejects(ip(nodes.n1, ['link', 'show', veth]), 'cali veth removed');
    assert.deepEqual(await ipJson<RouteJson[]>(nodes.n1, ['route', 'show', `${ipA1}/32`]), [], 'host route removed');
    await assert.rejects(ip(a1, ['link', 'show', 'eth0']), 'pod eth0 removed');
    assert.deepEqual(await ipam.ipsByHandle(`${NET}.ctr-a1`), [], 'allocation released');
    await assert.rejects(api.client.get('ipamhandles', undefined, `${NET}.ctr-a1`), /not found/);
    await rts.n1.delNetwork(pod('a1', a1));
    await assert.rejects(rts.n1.checkNetwork(pod('a1', a1)), CniError);
    await netnsDel(b1);
    await rts.n2.delNetwork(pod('b1', b1));
    assert.deepEqual(await ipam.ipsByHandle(`${NET}.ctr-b1`), []);
    assert.deepEqual(await ipJson<RouteJson[]>(nodes.n2, ['route', 'show', `${ipB1}/32`]), []);
    await rts.n1.delNetwork(pod('a2', a2));
    for (const h of ['a1', 'a2', 'b1']) assert.deepEqual(await ipam.ipsByHandle(`${NET}.ctr-${h}`), []);
    const calis = (await ipJson<LinkJson[]>(nodes.n1, ['link', 'show'])).filter((l) => l.ifname.startsWith('cali'));
    assert.deepEqual(calis, [], 'no cali link left on n1');
  });

  it('GC frees this node\'s allocations of containers that are not valid attachments, and only those', async () => {
    const g1 = await fx.netns('g1');
    await rts.n1.addNetwork(pod('g1', g1));
    const ipam = new CalicoIpam(api.client, { pools: [POOL] });
    // An ADD whose result never reached the cache (the agent died): only IPAM knows of it.
    const lost = await ipam.autoAssign('n1', `${NET}.ctr-lost`, { node: 'n1', namespace: 'default', pod: 'lost' });
    const other = await ipam.autoAssign('n2', `${NET}.ctr-other`, { node: 'n2', namespace: 'default', pod: 'other' });
    await rts.n1.gcNetwork([{ containerId: 'ctr-g1', ifName: 'eth0' }]);
    assert.deepEqual(await ipam.ipsByHandle(`${NET}.ctr-lost`), [], `${lost.ip} released`);
    assert.equal((await ipam.ipsByHandle(`${NET}.ctr-g1`)).length, 1, 'the valid attachment keeps its address');
    assert.deepEqual(await ipam.ipsByHandle(`${NET}.ctr-other`), [other.ip], 'another node\'s allocation is not this node\'s GC');
    await rts.n1.delNetwork(pod('g1', g1));
    await ipam.releaseByHandle(`${NET}.ctr-other`);
  });

  it('a new sandbox of the same pod takes over the veth name; the old sandbox\'s DEL leaves the new one alone', async () => {
    const old = await fx.netns('s-old');
    const neu = await fx.netns('s-new');
    const peer = await fx.netns('s-peer');
    const conf = (id: string, ns: string): RuntimeConf => ({ ...pod('s', ns), containerId: id });
    await rts.n1.addNetwork(conf('ctr-s-old', old));
    const rNew = await rts.n1.addNetwork(conf('ctr-s-new', neu));
    await rts.n1.addNetwork(pod('s-peer', peer));
    await assert.rejects(ip(old, ['link', 'show', 'eth0']), 'the old sandbox lost its interface with the old veth');
    await rts.n1.delNetwork(conf('ctr-s-old', old));
    const veth = vethFor('default', 's');
    await ip(nodes.n1, ['link', 'show', veth]);
    await rts.n1.checkNetwork(conf('ctr-s-new', neu));
    assert.equal((await ping(peer, rNew.ips![0].address.split('/')[0])).code, 0, 'the new sandbox is still reachable');
    await rts.n1.delNetwork(conf('ctr-s-new', neu));
    await rts.n1.delNetwork(pod('s-peer', peer));
    const ipam = new CalicoIpam(api.client);
    for (const h of ['ctr-s-old', 'ctr-s-new', 'ctr-s-peer']) assert.deepEqual(await ipam.ipsByHandle(`${NET}.${h}`), []);
  });

  it('STATUS is ready while the API answers, and code 50 when it does not', async () => {
    await rts.n1.statusNetwork();
    const socketPath = join(fx.dir, 'n1', 'down.sock');
    const dead = new Client({ server: 'http://127.0.0.1:1' });
    const srv = await startCniServer({ socketPath, hostNetns: nodes.n1, apiClient: dead });
    try {
      const rt = new CniRuntime({ confDir: join(fx.dir, 'n1', 'net.d'), binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'n1', 'results'), hostNetns: nodes.n1, env: { PODNET_CNI_SOCKET: socketPath }, directShims: true });
      await assert.rejects(rt.statusNetwork(), (e: unknown) => e instanceof CniError && e.code === 50 && /API is not reachable/.test(e.msg));
    } finally {
      await srv.close();
      dead.close();
    }
  });

  it('100 pods added at once on one node: distinct addresses from two blocks, all freed by DEL', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const netns = await Promise.all(names.map((n) => fx.netns(n)));
    const t0 = Date.now();
    const results = await Promise.all(names.map((n, i) => rts.n2.addNetwork(pod(n, netns[i]))));
    const addMs = Date.now() - t0;
    const ips = results.map((r) => r.ips![0].address);
    assert.equal(new Set(ips).size, 100, 'no address twice');
    assert.equal((await listAffineBlocks(api.client, 'n2')).length, 2, '100 addresses need two /26 blocks');
    const calis = (await ipJson<LinkJson[]>(nodes.n2, ['link', 'show'])).filter((l) => l.ifname.startsWith('cali'));
    assert.equal(calis.length, 100);
    const t1 = Date.now();
    await Promise.all(names.map((n, i) => rts.n2.delNetwork(pod(n, netns[i]))));
    console.error(`# 100 concurrent calico ADDs: ${addMs} ms, DELs: ${Date.now() - t1} ms`);
    const blocks = (await api.client.list<IPAMBlock>('ipamblocks')).items.filter((b) => b.spec?.affinity === 'host:n2');
    assert.deepEqual(blocks.flatMap((b) => b.spec!.allocations.filter((a) => a !== null)), [], 'every allocation freed');
    assert.deepEqual((await ipJson<LinkJson[]>(nodes.n2, ['link', 'show'])).filter((l) => l.ifname.startsWith('cali')), []);
    for (const n of netns) await netnsDel(n);
  });

  it('a repeated ADD of the same pod replaces its old host veth and keeps its address', async () => {
    const c1 = await fx.netns('c1');
    const r1 = await rts.n1.addNetwork(pod('c1', c1));
    await netnsDel(c1); // the sandbox died without DEL: its veth pair went with it
    const c1b = await fx.netns('c1');
    const r2 = await rts.n1.addNetwork(pod('c1', c1b));
    assert.equal(r2.ips![0].address, r1.ips![0].address, 'same handle, same address');
    await rts.n1.delNetwork(pod('c1', c1b));
    assert.deepEqual(await new CalicoIpam(api.client).ipsByHandle(`${NET}.ctr-c1`), []);
  });
});

describe('calico CNI plugin (standalone, exec\'d)', () => {
  const fx = new CniFixture();
  let api: TestApi;
  let node: string;

  const runtime = async (name: string, kubeconfig?: string): Promise<CniRuntime> => {
    const confDir = join(fx.dir, name);
    await mkdir(confDir, { recursive: true });
    await writeFile(join(confDir, '10-calico.conflist'), JSON.stringify({
      name: NET, cniVersion: '1.0.0',
      plugins: [{ type: 'calico', nodename: 'sa', ...(kubeconfig ? { kubernetes: { kubeconfig } } : {}), ipam: { type: 'calico-ipam', ipv4_pools: ['10.252.0.0/24'] } }],
    }));
    return new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, `${name}-results`), hostNetns: node });
  };

  let relay: ChildProcess | undefined;

  before(async () => {
    await fx.setup();
    // The apiserver also on a unix socket, relayed to 127.0.0.1:6443 inside the node netns (as
    // podnet's API relay does in the control-plane netns): the exec'd plugin runs in the node.
    api = await startTestApi('cni-calico-standalone', join(fx.dir, 'api.sock'));
    node = await fx.netns('sa');
    await ip(node, ['link', 'set', 'lo', 'up']);
    const relayJs = fileURLToPath(new URL('../../../src/cluster/relay.js', import.meta.url));
    relay = spawn('ip', ['netns', 'exec', node, process.execPath, '--input-type=module', '-e',
      `import { startRelay } from ${JSON.stringify(relayJs)}; await startRelay(6443, ${JSON.stringify(join(fx.dir, 'api.sock'))}); console.log('ready');`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      relay!.stdout!.once('data', () => resolve());
      relay!.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
    });
  });

  after(async () => {
    if (relay && relay.exitCode === null) {
      const exited = new Promise((r) => relay!.once('exit', r));
      relay.kill();
      await exited;
    }
    await fx.teardown();
    await api?.close();
  });

  it('without kubernetes.kubeconfig (and no agent) ADD fails naming the field, leaving nothing', async () => {
    const rt = await runtime('nokube');
    const p = await fx.netns('p0');
    await assert.rejects(rt.addNetwork({ containerId: 'ctr-0', netns: netnsPath(p), ifName: 'eth0' }), (e: unknown) => e instanceof CniError && e.code === 7 && /kubernetes\.kubeconfig/.test(e.msg));
    const calis = (await ipJson<LinkJson[]>(node, ['link', 'show'])).filter((l) => l.ifname.startsWith('cali'));
    assert.deepEqual(calis, []);
  });

  it('with kubernetes.kubeconfig allocates through the API, wires, and DEL releases', async () => {
    const kubeconfig = join(fx.dir, 'kubeconfig');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: t',
      'clusters: [{name: t, cluster: {server: "http://127.0.0.1:6443"}}]',
      'contexts: [{name: t, context: {cluster: t, user: u}}]', 'users: [{name: u, user: {}}]', '',
    ].join('\n'));
    const rt = await runtime('kube', kubeconfig);
    const p = await fx.netns('p1');
    const r = await rt.addNetwork({ containerId: 'ctr-1', netns: netnsPath(p), ifName: 'eth0' });
    assert.equal(r.ips![0].address, '10.252.0.0/32');
    assert.deepEqual(r.interfaces!.map((i) => i.name), ['calictr-1', 'eth0'], 'without pod args the veth is cali + the container id');
    assert.deepEqual(await listAffineBlocks(api.client, 'sa'), ['10.252.0.0/26']);
    await rt.checkNetwork({ containerId: 'ctr-1', netns: netnsPath(p), ifName: 'eth0' });
    await rt.delNetwork({ containerId: 'ctr-1', netns: netnsPath(p), ifName: 'eth0' });
    assert.deepEqual(await new CalicoIpam(api.client).ipsByHandle(`${NET}.ctr-1`), []);
    await assert.rejects(ip(node, ['link', 'show', 'calictr-1']));
  });
});

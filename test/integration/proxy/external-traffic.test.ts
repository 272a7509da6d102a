/**
 * NodePort and ClientIP affinity on the real kernel: a client outside the cluster (its own netns
 * on the node network) reaches a NodePort; eTP=Cluster masquerades, eTP=Local keeps the client
 * IP; a ClientIP-affinity service keeps sending one client to one endpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { Service } from '../../../src/api/types.js';
import { ip, ipBatch, nftApply, run } from '../../../src/dataplane/exec.js';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { renderRuleset } from '../../../src/proxy/render.js';
import { clusterIP, makeService, makeSlice, port } from '../../unit/proxy/fixtures.js';
import { cleanupPrefix, curl, killChild, leftovers, makeNode, makePod, startEchoServer, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
const OUTSIDE = `${P}outside`;
const CLIENT = `${P}client`;
const servers = [`${P}server1`, `${P}server2`];
const children: ChildProcess[] = [];
const opts = { nodeName: 'node1', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' };

const nodePort = (np: number, etp: 'Cluster' | 'Local') => (s: Service) => {
  s.spec!.type = 'NodePort';
  s.spec!.ports![0].nodePort = np;
  s.spec!.externalTrafficPolicy = etp;
};

before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  await netnsAdd(OUTSIDE);
  await ip(undefined, ['link', 'add', 'eth0', 'netns', NODE, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', OUTSIDE]);
  await ipBatch(NODE, ['addr add 172.18.0.11/16 dev eth0', 'link set eth0 up']);
  await ipBatch(OUTSIDE, ['addr add 172.18.0.200/16 dev eth0', 'link set eth0 up']);
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  await makePod(NODE, servers[0], 'vethserver1', '10.244.0.3/24', '10.244.0.1');
  await makePod(NODE, servers[1], 'vethserver2', '10.244.0.4/24', '10.244.0.1');
  children.push(await startEchoServer(servers[0], 80), await startEchoServer(servers[0], 8080, 'whoami'));
  children.push(await startEchoServer(servers[1], 8080, 'whoami'));
  const cluster = makeService('default', 'np-cluster', clusterIP('10.96.0.60'), port(80, 'http'), nodePort(30080, 'Cluster'));
  const local = makeService('default', 'np-local', clusterIP('10.96.0.61'), port(80, 'http'), nodePort(30081, 'Local'));
  const sticky = makeService('default', 'sticky', clusterIP('10.96.0.62'), port(80, 'http'), (s) => { s.spec!.sessionAffinity = 'ClientIP'; });
  const spread = makeService('default', 'spread', clusterIP('10.96.0.63'), port(80, 'http'));
  const lb = makeService('default', 'lb', clusterIP('10.96.0.64'), port(80, 'http'), nodePort(30082, 'Cluster'), (s) => {
    s.spec!.type = 'LoadBalancer';
    s.spec!.loadBalancerSourceRanges = [' 172.18.0.200/32 '];
    (s as { status?: Service['status'] }).status = { loadBalancer: { ingress: [{ ip: '192.168.77.10' }] } };
  });
  // The outside host reaches the LB IP through the node, as a cloud LB would hand it over.
  await ipBatch(OUTSIDE, ['addr add 172.18.0.201/16 dev eth0', 'route add 192.168.77.10/32 via 172.18.0.11']);
  const one = (svc: string) => makeSlice('default', svc, [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3', node: 'node1' }]);
  const two = (svc: string) => makeSlice('default', svc, [{ name: 'http', port: 8080 }], [{ ip: '10.244.0.3', node: 'node1' }, { ip: '10.244.0.4', node: 'node1' }]);
  await nftApply(NODE, renderRuleset([cluster, local, sticky, spread, lb], [one('np-cluster'), one('np-local'), two('sticky'), two('spread'), one('lb')], opts));
});

after(async () => {
  for (const c of children) await killChild(c);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('NodePort with eTP=Cluster: an outside client gets through, masqueraded', async () => {
  const r = await curl(OUTSIDE, 'http://172.18.0.11:30080/');
  assert.equal(r.code, 0, `curl exit ${r.code}`);
  assert.equal(r.body, '10.244.0.1');
});

test('NodePort with eTP=Local: the endpoint sees the real client IP', async () => {
  const r = await curl(OUTSIDE, 'http://172.18.0.11:30081/');
  assert.equal(r.code, 0, `curl exit ${r.code}`);
  assert.equal(r.body, '172.18.0.200');
});

test('ClientIP affinity sends one client to one endpoint; without it both endpoints serve', async () => {
  const hits = async (url: string) => {
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) seen.add((await curl(CLIENT, url)).body);
    return seen;
  };
  const sticky = await hits('http://10.96.0.62:80/');
  assert.equal(sticky.size, 1, `sticky service answered from ${[...sticky].join(', ')}`);
  const spread = await hits('http://10.96.0.63:80/');
  assert.deepEqual([...spread].sort(), ['10.244.0.3', '10.244.0.4'], 'random choice reaches both endpoints in 16 tries');
});

test('loadBalancerSourceRanges: an allowed source reaches the LB IP, another is dropped', async () => {
  const from = async (src: string) =>
    (await run('ip', ['netns', 'exec', OUTSIDE, 'curl', '-s', '--max-time', '1', '--interface', src, 'http://192.168.77.10:80/'], { allowFailure: true })).code;
  assert.equal(await from('172.18.0.200'), 0);
  assert.equal(await from('172.18.0.201'), 28, 'dropped: no answer');
  // The NodePort of the same service is not subject to the source ranges.
  assert.equal((await run('ip', ['netns', 'exec', OUTSIDE, 'curl', '-s', '--max-time', '2', '--interface', '172.18.0.201', 'http://172.18.0.11:30082/'], { allowFailure: true })).code, 0);
});

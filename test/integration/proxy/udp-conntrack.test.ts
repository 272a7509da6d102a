/**
 * UDP conntrack hygiene on the real kernel: a client keeps one UDP flow to a ClusterIP; when the
 * endpoint goes away the reconciler deletes the flow, so the next datagram is DNATed afresh.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { nftApply, run } from '../../../src/dataplane/exec.js';
import { deleteConntrackEntries, listUdpFlows, staleUdpFlows } from '../../../src/proxy/conntrack.js';
import { buildEndpointsMap, endpointsKey } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { syncProxyRules } from '../../../src/proxy/sync-proxy-rules.js';
import { clusterIP, makeService, makeSlice, port } from '../../unit/proxy/fixtures.js';
import { cleanupPrefix, killChild, leftovers, makeNode, makePod, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NODE = `${P}node`;
const CLIENT = `${P}client`;
const SERVER = `${P}server`;
let echo: ChildProcess | undefined;
const opts = { nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' };
const svc = makeService('kube-system', 'dns', clusterIP('10.96.0.10'), port(53, 'dns', 'UDP'));

const UDP_ECHO = `require('dgram').createSocket('udp4').on('message', function (m, r) { this.send(m, r.port, r.address); }).bind(53, () => console.log('up'));`;

async function sync(endpointIPs: string[]) {
  const slices = [makeSlice('kube-system', 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], endpointIPs.map((ip) => ({ ip })))];
  const servicePorts = buildServicePorts([svc]);
  const { tx, reachable } = syncProxyRules({ servicePorts, endpoints: buildEndpointsMap(slices, 'node1'), ...opts });
  await nftApply(NODE, tx.toString());
  await deleteConntrackEntries(NODE, staleUdpFlows(await listUdpFlows(NODE), servicePorts, reachable, endpointsKey));
}

/** One datagram from a fixed source port (the same flow every time), as a statsd client would. */
const sendFromFixedPort = () =>
  run('ip', ['netns', 'exec', CLIENT, process.execPath, '-e',
    `const s=require('dgram').createSocket('udp4');s.bind(40000,()=>s.send('x',53,'10.96.0.10',()=>setTimeout(()=>s.close(),200)));`]);

before(async () => {
  await makeNode(NODE, '10.244.0.1/24');
  await makePod(NODE, CLIENT, 'vethclient', '10.244.0.2/24', '10.244.0.1');
  await makePod(NODE, SERVER, 'vethserver', '10.244.0.3/24', '10.244.0.1');
  echo = spawn('ip', ['netns', 'exec', SERVER, process.execPath, '-e', UDP_ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => echo!.stdout!.once('data', () => r()));
});

after(async () => {
  await killChild(echo);
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('a UDP flow to a removed endpoint is deleted by the reconciler', async () => {
  await sync(['10.244.0.3']);
  await sendFromFixedPort();
  const flows = await listUdpFlows(NODE);
  assert.ok(flows.some((f) => f.origDst === '10.96.0.10' && f.replySrc === '10.244.0.3'), JSON.stringify(flows));
  await sync([]);
  const after = await listUdpFlows(NODE);
  assert.ok(!after.some((f) => f.origDst === '10.96.0.10' && f.replySrc === '10.244.0.3'), JSON.stringify(after));
});

test('flows to current endpoints survive a sync', async () => {
  await sync(['10.244.0.3']);
  await sendFromFixedPort();
  await sync(['10.244.0.3']);
  assert.ok((await listUdpFlows(NODE)).some((f) => f.origDst === '10.96.0.10' && f.replySrc === '10.244.0.3'));
});

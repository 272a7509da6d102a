/**
 * The DNS server against the real apiserver (in process): services and EndpointSlices written
 * through the API, answers read with the real `dig` over UDP and TCP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import { type DnsServer, startDnsServer } from '../../../src/dns/server.js';
import { serveProbe } from '../../../src/dns/health.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { dig } from './dig.js';

let api: TestApi;
let client: Client;
let dns: DnsServer;
let webIP = '';

const service = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

before(async () => {
  api = await startTestApi('dns-test');
  client = api.client;
  const web = await client.create<Service>('services', 'default', service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
  webIP = web.spec?.clusterIP ?? '';
  await client.create('services', 'default', service('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] }));
  await client.create<EndpointSlice>('endpointslices', 'default', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'db-abcde', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }],
    endpoints: [
      { addresses: ['10.244.0.7'], conditions: { ready: true } },
      { addresses: ['10.244.1.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.244.1.8'], conditions: { ready: false } },
    ],
  });
  dns = await startDnsServer({ client, host: '127.0.0.1', port: 0, ttl: 30 });
});

after(async () => {
  await dns?.close();
  await api?.close();
});

test('ClusterIP service: A over UDP and TCP, echoing the query case', async () => {
  assert.match(webIP, /^10\.9[6-9]|^10\.1[01]\d\./, `clusterIP from the service CIDR: ${webIP}`);
  for (const extra of [[], ['+tcp']]) {
    const r = await dig(dns.port, 'web.default.svc.cluster.local', 'A', extra);
    assert.deepEqual([r.status, r.answer], ['NOERROR', [`web.default.svc.cluster.local. 30 IN A ${webIP}`]], r.raw);
  }
  const mixed = await dig(dns.port, 'WeB.Default.SVC.Cluster.Local', 'A');
  assert.deepEqual(mixed.answer, [`WeB.Default.SVC.Cluster.Local. 30 IN A ${webIP}`]);
  const srv = await dig(dns.port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.deepEqual(srv.answer, ['_http._tcp.web.default.svc.cluster.local. 30 IN SRV 0 100 80 web.default.svc.cluster.local.']);
  const ptr = await dig(dns.port, webIP.split('.').reverse().join('.') + '.in-addr.arpa', 'PTR');
  assert.deepEqual(ptr.answer, [`${webIP.split('.').reverse().join('.')}.in-addr.arpa. 30 IN PTR web.default.svc.cluster.local.`]);
});

test('headless service: the ready endpoint IPs; hostnames; SRV per endpoint', async () => {
  const r = await dig(dns.port, 'db.default.svc.cluster.local', 'A', ['+tcp']);
  assert.deepEqual(r.answer.sort(), ['db.default.svc.cluster.local. 30 IN A 10.244.0.7', 'db.default.svc.cluster.local. 30 IN A 10.244.1.7']);
  assert.deepEqual((await dig(dns.port, 'db-0.db.default.svc.cluster.local')).answer, ['db-0.db.default.svc.cluster.local. 30 IN A 10.244.1.7']);
  const srv = await dig(dns.port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
  assert.deepEqual(srv.answer.sort(), [
    '_pg._tcp.db.default.svc.cluster.local. 30 IN SRV 0 50 5432 10-244-0-7.db.default.svc.cluster.local.',
    '_pg._tcp.db.default.svc.cluster.local. 30 IN SRV 0 50 5432 db-0.db.default.svc.cluster.local.',
  ]);
});

test('NXDOMAIN and NODATA carry the SOA; outside the zone is REFUSED', async () => {
  const nx = await dig(dns.port, 'nope.default.svc.cluster.local');
  assert.equal(nx.status, 'NXDOMAIN');
  assert.match(nx.authority.join(), /^cluster\.local\. 30 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30$/);
  const nodata = await dig(dns.port, 'web.default.svc.cluster.local', 'AAAA');
  assert.deepEqual([nodata.status, nodata.answer.length, nodata.authority.length], ['NOERROR', 0, 1]);
  assert.equal((await dig(dns.port, 'web.nosuchns.svc.cluster.local')).status, 'NXDOMAIN');
  assert.equal((await dig(dns.port, 'kubernetes.io')).status, 'REFUSED');
  const v = await dig(dns.port, 'dns-version.cluster.local', 'TXT', ['+tcp']);
  assert.deepEqual(v.answer, ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']);
});

test('follows the API: a new service resolves, a deleted one stops resolving', async () => {
  const late = await client.create<Service>('services', 'default', service('late', { selector: { app: 'late' }, ports: [{ port: 81 }] }));
  await eventually('late resolves', async () => (await dig(dns.port, 'late.default.svc.cluster.local')).answer[0]?.endsWith(late.spec?.clusterIP ?? 'x'));
  await client.delete('services', 'default', 'late');
  await eventually('late gone', async () => (await dig(dns.port, 'late.default.svc.cluster.local')).status === 'NXDOMAIN');

  // headless answers follow the slices: one endpoint turns unready, then the slice goes
  const slice = await client.get<EndpointSlice>('endpointslices', 'default', 'db-abcde');
  slice.endpoints[0].conditions = { ready: false };
  await client.update('endpointslices', slice);
  await eventually('one db address', async () => (await dig(dns.port, 'db.default.svc.cluster.local')).answer.join() === 'db.default.svc.cluster.local. 30 IN A 10.244.1.7');
  await client.delete('endpointslices', 'default', 'db-abcde');
  await eventually('db NXDOMAIN', async () => (await dig(dns.port, 'db.default.svc.cluster.local')).status === 'NXDOMAIN');
});

test('health and ready endpoints', async () => {
  let ready = false;
  const probe = await serveProbe('127.0.0.1', 0, '/ready', () => ready);
  try {
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${probe.port}${path}`);
      return [res.status, await res.text()];
    };
    assert.deepEqual(await get('/ready'), [503, 'Not ready: kubernetes']);
    ready = dns.ready();
    assert.deepEqual(await get('/ready'), [200, 'OK']);
    assert.equal((await get('/nope'))[0], 404);
    assert.match(dns.metrics.render(), /coredns_dns_responses_total\{plugin="",rcode="NXDOMAIN",server="dns:\/\/:0",view="",zone="."\} [1-9]/);
  } finally {
    await probe.close();
  }
});

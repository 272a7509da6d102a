import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointLabel, toDnsEndpoints, toDnsService } from '../../../src/dns/records.js';
import { dashedToIPv4, ipKey, parseQueryName } from '../../../src/dns/query-name.js';

test('services slim to what DNS needs', () => {
  assert.deepEqual(
    toDnsService({ metadata: { name: 'Web', namespace: 'default' }, spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'], ports: [{ name: 'http', port: 80 }] } }),
    { name: 'web', namespace: 'default', type: 'ClusterIP', clusterIPs: ['10.96.0.5', 'fd00::5'], headless: false, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
  );
  const headless = toDnsService({ metadata: { name: 'db', namespace: 'x' }, spec: { clusterIP: 'None', clusterIPs: ['None'] } });
  assert.deepEqual([headless.headless, headless.clusterIPs], [true, []]);
  const ext = toDnsService({ metadata: { name: 'e', namespace: 'x' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
  assert.deepEqual([ext.headless, ext.externalName, ext.clusterIPs], [false, 'example.com', []]);
});

test('slice endpoints: ready unless conditions.ready is false (nil counts as ready, as CoreDNS)', () => {
  const eps = toDnsEndpoints({
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.0.6'], conditions: { ready: false } }, { addresses: ['10.244.0.7'], hostname: 'Web-0', conditions: { ready: true } }],
  });
  assert.deepEqual(eps.map((e) => [e.addresses[0], e.ready, e.hostname]), [['10.244.0.5', true, undefined], ['10.244.0.6', false, undefined], ['10.244.0.7', true, 'web-0']]);
  assert.deepEqual(eps[0].ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
  assert.equal(endpointLabel(eps[0], '10.244.0.5'), '10-244-0-5');
  assert.equal(endpointLabel({ addresses: [], ready: true, ports: [] }, '5678:abcd::'), '5678-abcd--0');
});

test('query names: zone, reverse, outside', () => {
  assert.deepEqual(parseQueryName('Web.Default.SVC.Cluster.Local.', 'cluster.local'), { kind: 'zone', labels: ['web', 'default', 'svc'], zoneAsQueried: 'Cluster.Local' });
  assert.deepEqual(parseQueryName('cluster.local', 'cluster.local'), { kind: 'zone', labels: [], zoneAsQueried: 'cluster.local' });
  assert.deepEqual(parseQueryName('5.0.96.10.in-addr.arpa', 'cluster.local'), { kind: 'reverse', ip: '10.96.0.5', zone: 'in-addr.arpa' });
  assert.deepEqual(parseQueryName('notcluster.local', 'cluster.local'), { kind: 'outside' });
  assert.equal(dashedToIPv4('10-244-1-5'), '10.244.1.5');
  assert.equal(dashedToIPv4('10-244-1'), undefined);
  assert.equal(dashedToIPv4('10-244-1-500'), undefined);
  assert.equal(ipKey('fd00::5'), ipKey('fd00:0:0:0:0:0:0:5'));
  assert.equal(ipKey('fd00::5'), 'fd000000000000000000000000000005');
});

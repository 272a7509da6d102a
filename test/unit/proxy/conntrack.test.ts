import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleUdpDeletions } from '../../../src/proxy/conntrack.js';
import { buildEndpointsMap, endpointsKey } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { clusterIP, makeService, makeSlice, port } from './fixtures.js';

const dns = makeService('kube-system', 'kube-dns', clusterIP('10.96.0.10'), port(53, 'dns', 'UDP'), port(53, 'dns-tcp', 'TCP'));
const ports = buildServicePorts([dns]);
const eps = (...ips: string[]) =>
  buildEndpointsMap([makeSlice('kube-system', 'kube-dns', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }], ips.map((ip) => ({ ip })))], 'n1');

test('a UDP endpoint that went away gets its conntrack entries deleted; TCP is left alone', () => {
  const dels = staleUdpDeletions(ports, eps('10.244.0.5', '10.244.1.5'), eps('10.244.1.5'), endpointsKey);
  assert.deepEqual(dels, [{ serviceIP: '10.96.0.10', port: 53, endpointIP: '10.244.0.5' }]);
});

test('a UDP service getting its first endpoint flushes entries that may hold rejects', () => {
  const dels = staleUdpDeletions(ports, eps(), eps('10.244.1.5'), endpointsKey);
  assert.deepEqual(dels, [{ serviceIP: '10.96.0.10', port: 53 }]);
});

test('a UDP service scaled to zero still gets its stale entries deleted (kubernetes #139628)', () => {
  const dels = staleUdpDeletions(ports, eps('10.244.0.5'), eps(), endpointsKey);
  assert.deepEqual(dels, [{ serviceIP: '10.96.0.10', port: 53, endpointIP: '10.244.0.5' }]);
});

test('no change, no deletion', () => {
  assert.deepEqual(staleUdpDeletions(ports, eps('10.244.0.5'), eps('10.244.0.5'), endpointsKey), []);
});

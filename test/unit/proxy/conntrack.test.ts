import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConntrackList, staleUdpFlows } from '../../../src/proxy/conntrack.js';
import { buildEndpointsMap, endpointsKey } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { clusterIP, makeService, makeSlice, port } from './fixtures.js';

const dns = makeService('kube-system', 'kube-dns', clusterIP('10.96.0.10'), port(53, 'dns', 'UDP'), port(53, 'dns-tcp', 'TCP'));
const ports = buildServicePorts([dns]);
const eps = (...ips: string[]) =>
  buildEndpointsMap([makeSlice('kube-system', 'kube-dns', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }], ips.map((ip) => ({ ip })))], 'n1');

const LIST = [
  'udp      17 29 src=10.244.0.2 dst=10.96.0.10 sport=40000 dport=53 src=10.244.0.5 dst=10.244.0.2 sport=53 dport=40000 mark=0 use=1',
  'udp      17 25 src=10.244.0.2 dst=10.96.0.10 sport=40001 dport=53 [UNREPLIED] src=10.244.1.5 dst=10.244.0.2 sport=53 dport=40001 mark=0 use=1',
  'udp      17 20 src=10.244.0.2 dst=10.96.0.11 sport=40002 dport=53 src=10.244.9.9 dst=10.244.0.2 sport=53 dport=40002 mark=0 use=1',
  'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.',
].join('\n');

test('conntrack -L lines parse into original destination and reply source', () => {
  assert.deepEqual(parseConntrackList(LIST), [
    { origDst: '10.96.0.10', origDport: 53, replySrc: '10.244.0.5' },
    { origDst: '10.96.0.10', origDport: 53, replySrc: '10.244.1.5' },
    { origDst: '10.96.0.11', origDport: 53, replySrc: '10.244.9.9' },
  ]);
});

test('flows to a UDP service answered by a gone endpoint are stale; others are kept', () => {
  assert.deepEqual(staleUdpFlows(parseConntrackList(LIST), ports, eps('10.244.1.5'), endpointsKey), [
    { serviceIP: '10.96.0.10', port: 53, endpointIP: '10.244.0.5' },
  ]);
});

test('a UDP service scaled to zero still gets its flows deleted (kubernetes #139628)', () => {
  const dels = staleUdpFlows(parseConntrackList(LIST), ports, eps(), endpointsKey);
  assert.deepEqual(dels.map((d) => d.endpointIP), ['10.244.0.5', '10.244.1.5']);
});

test('flows to non-service addresses and TCP services are left alone', () => {
  assert.deepEqual(staleUdpFlows(parseConntrackList(LIST), ports, eps('10.244.0.5', '10.244.1.5'), endpointsKey), []);
});

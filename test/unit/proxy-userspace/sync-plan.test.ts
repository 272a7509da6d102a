import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { isProxied, portalsFor, servicePortSpecs } from '../../../src/proxy/userspace/sync-plan.js';

const svc: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
  spec: {
    type: 'NodePort', clusterIP: '10.96.0.50', internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local',
    sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'sig', port: 9, protocol: 'SCTP' },
    ],
  },
};

const slice: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }],
  endpoints: [
    { addresses: ['10.244.1.5'], nodeName: 'node2', conditions: { ready: true } },
    { addresses: ['10.244.0.7'], nodeName: 'node1', conditions: { ready: false, serving: true, terminating: true } },
    { addresses: ['10.244.0.8'], nodeName: 'node1', conditions: { ready: false } },
  ],
};

const ports = buildServicePorts([svc]).filter(isProxied);

test('SCTP is not proxied; TCP and UDP are', () => {
  assert.deepEqual(ports.map((sp) => sp.protocol), ['tcp', 'udp']);
});

test('specs: ready endpoints only, on every node (policies Local ignored, no terminating fallback), affinity and node port', () => {
  assert.deepEqual(servicePortSpecs(ports, buildEndpointsMap([slice], 'node1')), [
    { key: 'default/web/tcp/http', protocol: 'tcp', stickyMaxAgeSeconds: 30, nodePort: 30080, endpoints: ['10.244.1.5:8080'] },
    { key: 'default/web/udp/dns', protocol: 'udp', stickyMaxAgeSeconds: 30, nodePort: 0, endpoints: ['10.244.1.5:5353'] },
  ]);
});

test('portals: a node port the socket process could not hold gets no portal rule', () => {
  const plan = portalsFor(ports, {
    proxyPorts: { 'default/web/udp/dns': 40001, 'default/web/tcp/http': 40002 }, socketErrors: {},
    nodePortErrors: { 'default/web/tcp/http': 'Cannot open node port 30080/tcp: listen EADDRINUSE' },
  });
  assert.deepEqual(plan.portals.map((p) => [p.sp.spn, p.proxyPort, p.sp.nodePort]), [['default/web:http', 40002, 0], ['default/web:dns', 40001, 0]]);
  assert.deepEqual(plan.failures.map((f) => [f.sp.spn, f.error]), [['default/web:http', 'Cannot open node port 30080/tcp: listen EADDRINUSE']]);
  const ok = portalsFor(ports, { proxyPorts: { 'default/web/udp/dns': 1, 'default/web/tcp/http': 2 }, socketErrors: {}, nodePortErrors: {} });
  assert.equal(ok.portals[0].sp.nodePort, 30080);
});

test('portals: a service port without a proxy socket gets no portal, the others do', () => {
  const plan = portalsFor(ports, {
    proxyPorts: { 'default/web/udp/dns': 40001 }, nodePortErrors: {},
    socketErrors: { 'default/web/tcp/http': 'Cannot open a proxy socket: listen EMFILE' },
  });
  assert.deepEqual(plan.portals.map((p) => p.sp.spn), ['default/web:dns']);
  assert.deepEqual(plan.failures.map((f) => [f.sp.spn, f.error]), [['default/web:http', 'Cannot open a proxy socket: listen EMFILE']]);
});

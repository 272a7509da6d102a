import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { desiredHealthChecks } from '../../../src/loadbalancer/health-check.js';
import { healthResponse } from '../../../src/loadbalancer/health-response.js';

describe('service health checks', () => {
  it('answers 200 with kube-proxy\'s JSON while local endpoints exist, else 503', () => {
    const ok = healthResponse({ namespace: 'ns', name: 'web', port: 30001, localEndpoints: 2 });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['X-Load-Balancing-Endpoint-Weight'], '2');
    assert.equal(ok.headers['Content-Type'], 'application/json');
    assert.equal(ok.body, '{\n\t"service": {\n\t\t"namespace": "ns",\n\t\t"name": "web"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}');
    assert.equal(healthResponse({ namespace: 'ns', name: 'web', port: 1, localEndpoints: 0 }).status, 503);
    assert.equal(healthResponse({ namespace: 'ns', name: 'web', port: 1, localEndpoints: 3 }, false).status, 503);
  });

  it('serves only eTP Local services with a port, counting this node\'s ready endpoints', () => {
    const svc = (name: string, etp: 'Local' | 'Cluster', hc?: number): Service => ({
      metadata: { namespace: 'default', name },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: etp, healthCheckNodePort: hc },
    });
    const slices: EndpointSlice[] = [{
      metadata: { namespace: 'default', name: 'a-1', labels: { 'kubernetes.io/service-name': 'a' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.0.2'], nodeName: 'node1' },
        { addresses: ['10.244.0.3'], nodeName: 'node1', conditions: { ready: false } },
        { addresses: ['10.244.1.2'], nodeName: 'node2', conditions: { ready: true } },
      ],
    }];
    const services = [svc('b', 'Local', 30005), svc('a', 'Local', 30004), svc('c', 'Cluster', 30006), svc('d', 'Local')];
    assert.deepEqual(desiredHealthChecks(services, slices, 'node1'), [
      { namespace: 'default', name: 'a', port: 30004, localEndpoints: 1 },
      { namespace: 'default', name: 'b', port: 30005, localEndpoints: 0 },
    ]);
  });
});

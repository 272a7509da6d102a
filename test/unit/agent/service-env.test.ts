import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../../src/api/types.js';
import { defaultMasterService, podServiceEnv } from '../../../src/agent/service-env.js';

const svc = (ns: string, name: string, ip: string, ports: { name?: string; port: number; protocol?: string }[]): Service => ({
  metadata: { name, namespace: ns },
  spec: { clusterIP: ip, ports },
});

describe('service environment variables', () => {
  const master = defaultMasterService('10.96.0.1', 443);
  const pod = (ns: string, links?: boolean): Pod => ({ metadata: { name: 'p', namespace: ns }, spec: { containers: [], enableServiceLinks: links } });

  it('the kubernetes Service vars, as kubelet injects them', () => {
    assert.deepEqual(Object.fromEntries(podServiceEnv(pod('default'), [master])), {
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    });
  });

  it('adds the Services of the pod namespace only, skipping headless ones', () => {
    const all = [master, svc('web', 'my-svc', '10.96.5.5', [{ port: 53, protocol: 'UDP', name: 'dns' }]), svc('other', 'x', '10.96.9.9', [{ port: 1 }]), svc('web', 'hl', 'None', [{ port: 2 }])];
    const env = Object.fromEntries(podServiceEnv(pod('web'), all));
    assert.equal(env.MY_SVC_SERVICE_HOST, '10.96.5.5');
    assert.equal(env.MY_SVC_SERVICE_PORT_DNS, '53');
    assert.equal(env.MY_SVC_PORT_53_UDP, 'udp://10.96.5.5:53');
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
    assert.equal(env.X_SERVICE_HOST, undefined);
    assert.equal(env.HL_SERVICE_HOST, undefined);
  });

  it('enableServiceLinks: false keeps only the kubernetes Service', () => {
    const env = Object.fromEntries(podServiceEnv(pod('web', false), [master, svc('web', 'a', '10.96.1.1', [{ port: 80 }])]));
    assert.equal(env.A_SERVICE_HOST, undefined);
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  });
});

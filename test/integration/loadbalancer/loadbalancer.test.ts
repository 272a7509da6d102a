/**
 * The load-balancer controller on a real apiserver (allocation, requested IPs, classes, release,
 * healthCheckNodePort), and the node part (speaker, health check listeners) in a real netns.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { KubeObject, Node, Service } from '../../../src/api/types.js';
import { ip, run } from '../../../src/dataplane/exec.js';
import { netnsAdd, netnsDel } from '../../../src/dataplane/netns.js';
import { ServiceLBController } from '../../../src/loadbalancer/service-lb-controller.js';
import { startNodeLoadBalancer } from '../../../src/loadbalancer/index.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';

type Svc = Service & KubeObject;
const prefix = `t${Array.from(randomBytes(5), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('')}-`;

function lbService(name: string, spec: Partial<NonNullable<Service['spec']>> = {}): Svc {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } };
}

describe('load balancer', { timeout: 60_000 }, () => {
  let api: TestApi;
  let ctl: ServiceLBController;
  const get = (name: string) => api.client.get<Svc>('services', 'default', name);
  const ingressOf = async (name: string) => (await get(name)).status?.loadBalancer?.ingress ?? [];

  before(async () => {
    api = await startTestApi('lb-test');
    ctl = new ServiceLBController(api.client, { pool: '172.18.0.240-172.18.0.241' });
    await ctl.start();
  });
  after(async () => {
    ctl.stop();
    await api.close();
  });

  it('allocates from the pool, honours loadBalancerIP and classes, releases on type change', async () => {
    await api.client.create('services', 'default', lbService('wants-241', { loadBalancerIP: '172.18.0.241' }));
    await api.client.create('services', 'default', lbService('first'));
    await api.client.create('services', 'default', lbService('other-class', { loadBalancerClass: 'example.com/lb' }));
    assert.deepEqual(await eventually('first gets .240', async () => (await ingressOf('first'))[0]), { ip: '172.18.0.240', ipMode: 'VIP' });
    assert.equal((await eventually('requested IP', async () => (await ingressOf('wants-241'))[0]))?.ip, '172.18.0.241');
    await api.client.create('services', 'default', lbService('starved'));
    await ctl.whenIdle();
    assert.deepEqual(await ingressOf('starved'), [], 'the pool is exhausted');
    assert.deepEqual(await ingressOf('other-class'), [], 'another class is not ours');
    const first = await get('first');
    await api.client.update('services', { ...first, spec: { ...first.spec, type: 'ClusterIP', allocateLoadBalancerNodePorts: undefined, ports: [{ port: 80 }] } });
    await eventually('first released', async () => (await ingressOf('first')).length === 0);
    assert.equal((await eventually('starved gets the freed IP', async () => (await ingressOf('starved'))[0]))?.ip, '172.18.0.240');
  });

  it('the apiserver allocates healthCheckNodePort for eTP Local and releases it for Cluster', async () => {
    const created = await api.client.create<Svc>('services', 'default', lbService('local', { externalTrafficPolicy: 'Local', loadBalancerClass: 'example.com/lb' }));
    const hc = created.spec?.healthCheckNodePort ?? 0;
    assert.ok(hc >= 30000 && hc <= 32767, `healthCheckNodePort ${hc}`);
    assert.notEqual(hc, created.spec?.ports?.[0].nodePort);
    const kept = await api.client.update<Svc>('services', { ...created, spec: { ...created.spec, healthCheckNodePort: undefined } });
    assert.equal(kept.spec?.healthCheckNodePort, hc, 'an update that leaves it out keeps it');
    const cluster = await api.client.update<Svc>('services', { ...kept, spec: { ...kept.spec, externalTrafficPolicy: 'Cluster' } });
    assert.equal(cluster.spec?.healthCheckNodePort, undefined);
    const again = await api.client.create<Svc>('services', 'default', lbService('local2', { externalTrafficPolicy: 'Local', healthCheckNodePort: hc, loadBalancerClass: 'example.com/lb' }));
    assert.equal(again.spec?.healthCheckNodePort, hc, 'the released port can be requested again');
  });

  it('the elected node holds the address as /32 on eth0 and serves health checks in its netns', async () => {
    const netns = `${prefix}node1`;
    await netnsAdd(netns);
    let lb: { stop(): Promise<void> } | undefined;
    try {
      await ip(netns, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']); // no dummy module here
      await ip(netns, ['addr', 'add', '172.18.0.11/16', 'dev', 'eth0']);
      await ip(netns, ['link', 'set', 'eth0', 'up']);
      await ip(netns, ['link', 'set', 'eth0p', 'up']);
      await ip(netns, ['link', 'set', 'lo', 'up']);
      const node: Node & KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } };
      const n = await api.client.create<Node & KubeObject>('nodes', undefined, node);
      await api.client.updateStatus('nodes', { ...n, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
      lb = await startNodeLoadBalancer({ client: api.client, nodeName: 'node1', netns, nodeIP: '172.18.0.11' });
      const addrs = async () => (await run('ip', ['-n', netns, '-4', '-br', 'addr', 'show', 'eth0'])).stdout;
      await eventually('.241 announced', async () => (await addrs()).includes('172.18.0.241/32'), 15_000);
      const hc = (await get('local2')).spec?.healthCheckNodePort;
      const curl = () => run('ip', ['netns', 'exec', netns, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${hc}/`], { allowFailure: true });
      assert.equal(await eventually('503 without local endpoints', async () => (await curl()).stdout === '503' || undefined, 15_000), true);
      await api.client.delete('services', 'default', 'wants-241');
      await eventually('.241 withdrawn', async () => !(await addrs()).includes('172.18.0.241/32'), 15_000);
      assert.match(await addrs(), /172\.18\.0\.11\/16/, 'the node address stays');
    } finally {
      await lb?.stop();
      await netnsDel(netns);
    }
    const left = [...readdirSync('/run/netns'), ...(existsSync('/etc/netns') ? readdirSync('/etc/netns') : [])].filter((x) => x.startsWith(prefix));
    assert.deepEqual(left, []);
  });
});

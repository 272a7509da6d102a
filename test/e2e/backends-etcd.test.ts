/**
 * End to end: a host-gw cluster on an external etcd (`podnet up --datastore-endpoint
 * --backend host-gw`): flannel's leases live in etcd with its own layout under the cluster's
 * prefix, with a TTL; the principles and egress hold as on the API-backed leases.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { podnet } from '../helpers/cluster.js';
import { backendPrinciples } from '../helpers/overlay-backends.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';

let etcd: EtcdServer | undefined;
let raw: Etcd3 | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

backendPrinciples('host-gw', ({ name, exec, podCIDR, kubectl }) => {
  const prefix = () => `/podnet/${name}/coreos.com/network`;

  it('the network config and one lease per node are in etcd, in flannel\'s layout, with a TTL', async () => {
    assert.deepEqual(JSON.parse((await raw!.get(`${prefix()}/config`).string())!), { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'host-gw' } });
    for (const [node, ip] of [['node1', '172.18.0.11'], ['node2', '172.18.0.12']]) {
      const key = `${prefix()}/subnets/${podCIDR(node).replace('/', '-')}`;
      const kv = (await raw!.get(key).exec()).kvs[0];
      assert.ok(kv, `${key} exists`);
      assert.equal(kv.value.toString(), `{"PublicIP":"${ip}","PublicIPv6":null,"BackendType":"host-gw"}`);
      const ttl = Number((await raw!.leaseClient.leaseTimeToLive({ ID: kv.lease, keys: false })).TTL);
      assert.ok(ttl > 23 * 3600 && ttl <= 24 * 3600, `${key}: TTL ${ttl} s, want about 24 h`);
    }
    const subnets = await raw!.getAll().prefix(`${prefix()}/subnets/`).keys();
    assert.equal(subnets.length, 2);
  });

  it('no flannel annotations on the Nodes: the kube subnet manager is not in use', () => {
    const ann = kubectl().ok(['get', 'node', 'node1', '-o', 'jsonpath={.metadata.annotations}']);
    assert.doesNotMatch(ann, /flannel\.alpha\.coreos\.com/);
  });

  it('a node that joins gets a lease in etcd; when it leaves its lease is released and routes follow', async () => {
    const add = podnet(['node', 'add', '--name', name, 'node3'], 120_000);
    assert.equal(add.status, 0, `node add failed: ${add.stderr}${add.stdout}`);
    const cidr = podCIDR('node3');
    const key = `${prefix()}/subnets/${cidr.replace('/', '-')}`;
    for (let i = 0; i < 100 && !(await raw!.get(key).string()); i++) await sleep(100);
    assert.equal(await raw!.get(key).string(), '{"PublicIP":"172.18.0.13","PublicIPv6":null,"BackendType":"host-gw"}');
    for (let i = 0; i < 100 && exec(['--node', 'node1', '--', 'ip', 'route', 'show', cidr]) === ''; i++) await sleep(100);
    assert.equal(exec(['--node', 'node1', '--', 'ip', 'route', 'show', cidr]), `${cidr} via 172.18.0.13 dev eth0`);
    const rm = podnet(['node', 'remove', '--name', name, 'node3'], 120_000);
    assert.equal(rm.status, 0, `node remove failed: ${rm.stderr}${rm.stdout}`);
    for (let i = 0; i < 100 && (await raw!.get(key).string()); i++) await sleep(100);
    assert.equal(await raw!.get(key).string(), null, 'the lease goes with the Node, not 24 h later');
    for (let i = 0; i < 100 && exec(['--node', 'node1', '--', 'ip', 'route', 'show', cidr]) !== ''; i++) await sleep(100);
    assert.equal(exec(['--node', 'node1', '--', 'ip', 'route', 'show', cidr]), '');
  });
}, {
  label: 'leases in etcd',
  beforeUp: async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoint });
    return ['--datastore-endpoint', etcd.endpoint];
  },
  afterDown: async () => {
    raw?.close();
    await etcd?.stop();
  },
});

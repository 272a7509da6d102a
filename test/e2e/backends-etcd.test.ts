/**
 * End to end: a host-gw cluster on an external etcd (`podnet up --datastore-endpoint
 * --backend host-gw`): flannel's leases live in etcd with its own layout under the cluster's
 * prefix, with a TTL; the principles and egress hold as on the API-backed leases.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { backendPrinciples } from '../helpers/overlay-backends.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';

let etcd: EtcdServer | undefined;
let raw: Etcd3 | undefined;

backendPrinciples('host-gw', ({ name, podCIDR, kubectl }) => {
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

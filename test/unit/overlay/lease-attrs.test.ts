import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNetworkConfig, etcdNetworkPrefix, leaseFromEtcd, renderLeaseAttrs, subnetKey, subnetOfKey } from '../../../src/overlay/lease-attrs.js';

test('lease keys are flannel\'s subnets/<network address>-<prefix length>', () => {
  assert.equal(subnetKey('10.244.1.0/24'), 'subnets/10.244.1.0-24');
  assert.equal(subnetKey('10.244.1.7/24'), 'subnets/10.244.1.0-24');
  assert.equal(subnetOfKey('/podnet/a/coreos.com/network/subnets/10.244.1.0-24'), '10.244.1.0/24');
  assert.equal(subnetOfKey('/podnet/a/coreos.com/network/config'), undefined);
  assert.equal(subnetOfKey('subnets/10.244.1.0-99'), undefined);
  assert.throws(() => subnetKey('10.244.1.0'), /^Error: subnet: Invalid value "10.244.1.0"/);
});

test('the per-cluster prefix is flannel\'s default under the cluster\'s datastore prefix', () => {
  assert.equal(etcdNetworkPrefix('/podnet/demo'), '/podnet/demo/coreos.com/network');
});

test('LeaseAttrs JSON as flannel marshals it: PublicIPv6 null, no BackendData for host-gw', () => {
  assert.equal(renderLeaseAttrs({ PublicIP: '172.18.0.11', PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: 'aa:bb:cc:dd:ee:01' } }),
    '{"PublicIP":"172.18.0.11","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:01"}}');
  assert.equal(renderLeaseAttrs({ PublicIP: '172.18.0.12', PublicIPv6: null, BackendType: 'host-gw' }), '{"PublicIP":"172.18.0.12","PublicIPv6":null,"BackendType":"host-gw"}');
});

test('leases read back from etcd; malformed ones are skipped', () => {
  const v = '{"PublicIP":"172.18.0.11","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"AA:BB:CC:DD:EE:01"}}';
  assert.deepEqual(leaseFromEtcd('/p/subnets/10.244.0.0-24', v), { nodeName: '', subnet: '10.244.0.0/24', publicIP: '172.18.0.11', backendType: 'vxlan', vtepMAC: 'aa:bb:cc:dd:ee:01' });
  assert.equal(leaseFromEtcd('/p/subnets/10.244.0.0-24', 'not json'), undefined);
  assert.equal(leaseFromEtcd('/p/subnets/10.244.0.0-24', '{"BackendType":"vxlan"}'), undefined);
  assert.equal(leaseFromEtcd('/p/other', v), undefined);
});

test('a stored network config that differs from the cluster\'s is refused, naming the field', () => {
  const want = { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'host-gw' } };
  assert.doesNotThrow(() => checkNetworkConfig(JSON.stringify(want), want, 'k'));
  assert.throws(() => checkNetworkConfig('{"Network":"10.1.0.0/16","Backend":{"Type":"host-gw"}}', want, 'k'), /^Error: flannel: k: Network is "10.1.0.0\/16"/);
  assert.throws(() => checkNetworkConfig('{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan"}}', want, 'k'), /Backend.Type is "vxlan", the cluster's is "host-gw"/);
  assert.throws(() => checkNetworkConfig('{', want, 'k'), /k: Invalid value: not JSON/);
});

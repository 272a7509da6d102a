/** The calico netconf: defaults, and errors (code 7) naming the field. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { handleID, parseCalicoConf } from '../../../src/cni/plugins/calico-config.js';
import { parseEnv } from '../../../src/cni/skel.js';
import { CniError, type NetConf } from '../../../src/cni/types.js';

const args = (cniArgs = '') => parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0', CNI_ARGS: cniArgs });
const conf = (extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}): NetConf =>
  ({ cniVersion: '1.1.0', name: 'k8s-pod-network', type: 'calico', nodename: 'node1', ipam: { type: 'calico-ipam', ...ipam }, ...extra });
const rejects = (fn: () => unknown, field: RegExp) => assert.throws(fn, (e: unknown) => e instanceof CniError && e.code === 7 && field.test(e.msg));

describe('calico netconf', () => {
  it('defaults: mtu 1500, pool 10.244.0.0/16, /26 blocks', () => {
    assert.deepEqual(parseCalicoConf(conf(), args()), { mtu: 1500, nodename: 'node1', kubeconfig: undefined, pools: ['10.244.0.0/16'], blockSize: 26 });
  });

  it('reads the kubelet pod args and ignores none it does not know without IgnoreUnknown', () => {
    parseCalicoConf(conf(), args('K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=c1;K8S_POD_UID=u'));
    assert.throws(() => parseCalicoConf(conf(), args('FOO=1')), (e: unknown) => e instanceof CniError && e.code === 4);
    parseCalicoConf(conf(), args('IgnoreUnknown=1;FOO=1'));
  });

  it('names the bad field', () => {
    rejects(() => parseCalicoConf(conf({ mtu: 20 }), args()), /^mtu:/);
    rejects(() => parseCalicoConf(conf({}, { ipv4_pools: ['10.0.0.0/33'] }), args()), /^ipam\.ipv4_pools\[0\]:/);
    rejects(() => parseCalicoConf(conf({}, { ipv4_pools: [] }), args()), /^ipam\.ipv4_pools:/);
    rejects(() => parseCalicoConf(conf({}, { block_size: 33 }), args()), /^ipam\.block_size:/);
    rejects(() => parseCalicoConf(conf({ kubernetes: { kubeconfig: 5 } }), args()), /^kubernetes\.kubeconfig:/);
    rejects(() => parseCalicoConf(conf({ nodename: '' }), args()), /^nodename:/);
    rejects(() => handleID(conf({ name: '' }), args()), /^name:/);
  });

  it('the handle is <network>.<containerID>', () => {
    assert.equal(handleID(conf(), args()), 'k8s-pod-network.c1');
  });
});

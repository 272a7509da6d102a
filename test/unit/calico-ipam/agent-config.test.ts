/** The agent's Calico conflist (as Calico's install-cni writes it) and its network options. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderCalicoCniConfig } from '../../../src/agent/cni-config.js';
import { validateAgentOptions, type AgentOptions } from '../../../src/agent/options.js';
import { Client } from '../../../src/client/client.js';
import { hostVethName } from '../../../src/cni/plugins/calico-config.js';
import { hostLinkLines, hostScript, hostSysctls, podLines, podScript } from '../../../src/cni/plugins/calico-wiring.js';
import { parseEnv } from '../../../src/cni/skel.js';

describe('calico agent config', () => {
  it('renders the k8s-pod-network conflist: calico with calico-ipam, then portmap with snat', () => {
    assert.deepEqual(renderCalicoCniConfig({ nodeName: 'node2', pool: '10.244.0.0/16', portmap: true }), {
      name: 'k8s-pod-network',
      cniVersion: '1.1.0',
      plugins: [
        { type: 'calico', datastore_type: 'kubernetes', nodename: 'node2', mtu: 1500, ipam: { type: 'calico-ipam', ipv4_pools: ['10.244.0.0/16'] } },
        { type: 'portmap', snat: true, capabilities: { portMappings: true } },
      ],
    });
  });

  it('agent options: network must be flannel or calico, clusterCIDR a CIDR', () => {
    const base: AgentOptions = { client: new Client({ server: 'http://127.0.0.1:1' }), clusterName: 'c', nodeName: 'n', nodeNetns: 'c-n', nodeIP: '172.18.0.11', nodeRoot: '/tmp/x', repoRoot: '/tmp' };
    validateAgentOptions({ ...base, network: 'calico', clusterCIDR: '10.244.0.0/16' });
    assert.throws(() => validateAgentOptions({ ...base, network: 'weave' as 'calico' }), /network: Unsupported value "weave"/);
    assert.throws(() => validateAgentOptions({ ...base, clusterCIDR: '10.244.0.0' }), /clusterCIDR: Invalid value/);
  });
});

describe('calico wiring', () => {
  const args = (cniArgs: string) => parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abcdef0123456789', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0', CNI_ARGS: cniArgs });

  it('names the host veth cali + sha1("<ns>.<pod>")[:11], or cali + the container id', () => {
    // sha1("default.web") starts 68caf03a5f4 (python3 hashlib)
    assert.equal(hostVethName(args('K8S_POD_NAMESPACE=default;K8S_POD_NAME=web')), 'cali68caf03a5f4');
    assert.equal(hostVethName(args('K8S_POD_NAMESPACE=default;K8S_POD_NAME=web')), hostVethName(args('IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web')));
    assert.notEqual(hostVethName(args('K8S_POD_NAMESPACE=default;K8S_POD_NAME=web')), hostVethName(args('K8S_POD_NAMESPACE=other;K8S_POD_NAME=web')));
    assert.equal(hostVethName(args('')), 'caliabcdef01234');
  });

  it('renders the ip lines and sysctls of Calico\'s dataplane', () => {
    assert.deepEqual(hostLinkLines('cali1', 'eth0', 'p', 1500, '02:00:00:00:00:01'), [
      'link add cali1 mtu 1500 address ee:ee:ee:ee:ee:ee type veth peer name eth0 mtu 1500 address 02:00:00:00:00:01 netns p',
      'link set cali1 up',
    ]);
    assert.deepEqual(podLines('eth0', ['10.244.0.5']), [
      'link set eth0 up',
      'route add 169.254.1.1 dev eth0 scope link',
      'route add default via 169.254.1.1 dev eth0',
      'addr add 10.244.0.5/32 dev eth0',
    ]);
    assert.deepEqual(hostSysctls('cali1'), {
      'net/ipv4/conf/cali1/route_localnet': 1,
      'net/ipv4/neigh/cali1/proxy_delay': 0,
      'net/ipv4/conf/cali1/proxy_arp': 1,
      'net/ipv4/conf/cali1/forwarding': 1,
      'net/ipv6/conf/cali1/accept_ra': 0,
    });
    assert.equal(hostScript('cali1'), 'ip link del cali1 2>/dev/null; ip -batch - && exec sysctl -qw net/ipv4/conf/cali1/route_localnet=1 net/ipv4/neigh/cali1/proxy_delay=0 net/ipv4/conf/cali1/proxy_arp=1 net/ipv4/conf/cali1/forwarding=1 net/ipv6/conf/cali1/accept_ra=0');
    assert.equal(podScript(), 'sysctl -qw net/ipv4/ip_forward=0 && exec ip -batch -');
  });
});

/**
 * The IPVS renderer against kube-proxy's IPVS mode (pkg/proxy/ipvs/proxier.go, v1.35) for the
 * same objects: virtual servers per ClusterIP / external IP / LB IP / NodePort x node address,
 * persistence for ClientIP affinity, real servers and weights, kube-ipvs0 addresses, ipset
 * entries and the iptables rules matching them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { renderIpvs, type IpvsRender } from '../../../src/proxy/ipvs/index.js';

const NODE = { nodeName: 'node1', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8' };

function svc(ns: string, name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ...spec }, status };
}
function slice(ns: string, svcName: string, port: number, eps: { ip: string; node?: string; ready?: boolean; terminating?: boolean }[], protocol = 'TCP'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: ns, name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
    ports: [{ name: 'p80', port, protocol }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: e.ready === undefined ? undefined : { ready: e.ready, serving: true, terminating: e.terminating } })),
  };
}
const entries = (r: IpvsRender, set: string) => [...(r.state.ipsets.get(set) ?? [])].sort();
const lines = (s: string) => s.trimEnd().split('\n');

test('ClusterIP with ClientIP affinity: one persistent rr virtual server, real servers at weight 1, address on kube-ipvs0', () => {
  const r = renderIpvs(
    [svc('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } })],
    [slice('ns1', 'svc1', 8080, [{ ip: '10.180.0.2', node: 'node2' }, { ip: '10.180.0.1', node: 'node1' }])],
    NODE,
  );
  assert.deepEqual(lines(r.ipvsadm), [
    '-A -t 172.30.0.41:80 -s rr -p 300',
    '-a -t 172.30.0.41:80 -r 10.180.0.1:8080 -m -w 1',
    '-a -t 172.30.0.41:80 -r 10.180.0.2:8080 -m -w 1',
  ]);
  assert.deepEqual(r.dummy, ['link add kube-ipvs0 type dummy', 'address add 172.30.0.41/32 dev kube-ipvs0']);
  assert.deepEqual(entries(r, 'KUBE-CLUSTER-IP'), ['172.30.0.41,tcp:80']);
  // Hairpin: only the local endpoint goes into KUBE-LOOP-BACK.
  assert.deepEqual(entries(r, 'KUBE-LOOP-BACK'), ['10.180.0.1,tcp:8080,10.180.0.1']);
  assert.deepEqual(entries(r, 'KUBE-IPVS-IPS'), ['172.30.0.41']);
  assert.ok(lines(r.iptables).includes('-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ'));
  assert.ok(lines(r.iptables).includes('-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE'));
});

test('NodePort: a virtual server on each node address, the port in KUBE-NODE-PORT-TCP (or -UDP), node IP never bound', () => {
  const r = renderIpvs(
    [
      svc('ns2', 'tcp', { type: 'NodePort', clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80, nodePort: 30001, protocol: 'TCP' }] }),
      svc('ns2', 'udp', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 53, nodePort: 30053, protocol: 'UDP' }] }),
    ],
    [slice('ns2', 'tcp', 80, [{ ip: '10.180.0.3' }]), slice('ns2', 'udp', 53, [{ ip: '10.180.0.4' }], 'UDP')],
    NODE,
  );
  const vs = lines(r.ipvsadm).filter((l) => l.startsWith('-A'));
  assert.deepEqual(vs, ['-A -t 172.30.0.42:80 -s rr', '-A -t 192.168.0.2:30001 -s rr', '-A -u 172.30.0.43:53 -s rr', '-A -u 192.168.0.2:30053 -s rr']);
  assert.deepEqual(entries(r, 'KUBE-NODE-PORT-TCP'), ['30001']);
  assert.deepEqual(entries(r, 'KUBE-NODE-PORT-UDP'), ['30053']);
  assert.ok(!r.dummy.some((l) => l.includes('192.168.0.2')));
  assert.ok(lines(r.iptables).includes('-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ'));
  // --nodeport-addresses without the node IP: no NodePort virtual servers at all.
  const none = renderIpvs([svc('ns2', 'tcp', { type: 'NodePort', clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80, nodePort: 30001, protocol: 'TCP' }] })], [], { ...NODE, nodePortAddresses: ['10.9.0.0/16'] });
  assert.deepEqual(lines(none.ipvsadm), ['-A -t 172.30.0.42:80 -s rr']);
});

test('externalTrafficPolicy Local: local endpoints only, else every cluster endpoint (upstream #97081); Local sets filled', () => {
  const service = svc('ns3', 'loc', { type: 'NodePort', clusterIP: '172.30.0.45', externalIPs: ['192.168.99.5'], externalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80, nodePort: 30005, protocol: 'TCP' }] });
  const withLocal = renderIpvs([service], [slice('ns3', 'loc', 80, [{ ip: '10.180.0.6', node: 'node1' }, { ip: '10.180.0.7', node: 'node2' }])], NODE);
  const rs = (r: IpvsRender, vip: string) => lines(r.ipvsadm).filter((l) => l.startsWith(`-a -t ${vip} `)).map((l) => l.split(' -r ')[1]);
  assert.deepEqual(rs(withLocal, '192.168.0.2:30005'), ['10.180.0.6:80 -m -w 1']);
  assert.deepEqual(rs(withLocal, '192.168.99.5:80'), ['10.180.0.6:80 -m -w 1']);
  assert.deepEqual(rs(withLocal, '172.30.0.45:80'), ['10.180.0.6:80 -m -w 1', '10.180.0.7:80 -m -w 1']);
  assert.deepEqual(entries(withLocal, 'KUBE-NODE-PORT-LOCAL-TCP'), ['30005']);
  assert.deepEqual(entries(withLocal, 'KUBE-EXTERNAL-IP-LOCAL'), ['192.168.99.5,tcp:80']);
  assert.deepEqual(entries(withLocal, 'KUBE-EXTERNAL-IP'), []);
  const remoteOnly = renderIpvs([service], [slice('ns3', 'loc', 80, [{ ip: '10.180.0.7', node: 'node2' }])], NODE);
  assert.deepEqual(rs(remoteOnly, '192.168.0.2:30005'), ['10.180.0.7:80 -m -w 1']);
});

test('terminating endpoints: weight 0 while a ready one exists, used at weight 1 when none is ready', () => {
  const service = svc('ns4', 't', { clusterIP: '172.30.0.46', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }] });
  const mixed = renderIpvs([service], [slice('ns4', 't', 80, [{ ip: '10.180.0.8', ready: true }, { ip: '10.180.0.9', ready: false, terminating: true }])], NODE);
  assert.deepEqual(lines(mixed.ipvsadm).slice(1), ['-a -t 172.30.0.46:80 -r 10.180.0.8:80 -m -w 1', '-a -t 172.30.0.46:80 -r 10.180.0.9:80 -m -w 0']);
  const onlyTerminating = renderIpvs([service], [slice('ns4', 't', 80, [{ ip: '10.180.0.9', ready: false, terminating: true }])], NODE);
  assert.deepEqual(lines(onlyTerminating.ipvsadm).slice(1), ['-a -t 172.30.0.46:80 -r 10.180.0.9:80 -m -w 1']);
});

test('LoadBalancer with source ranges: FW and SOURCE-CIDR sets; node IP in a range allows the LB IP as source, else an OUT-FILTER drop', () => {
  const lb = (ranges: string[]) => svc('ns5', 'lb', { type: 'LoadBalancer', clusterIP: '172.30.0.47', loadBalancerSourceRanges: ranges, ports: [{ name: 'p80', port: 80, nodePort: 30007, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } });
  const outside = renderIpvs([lb(['203.0.113.0/25'])], [slice('ns5', 'lb', 80, [{ ip: '10.180.0.10' }])], NODE);
  assert.deepEqual(entries(outside, 'KUBE-LOAD-BALANCER'), ['1.2.3.4,tcp:80']);
  assert.deepEqual(entries(outside, 'KUBE-LOAD-BALANCER-FW'), ['1.2.3.4,tcp:80']);
  assert.deepEqual(entries(outside, 'KUBE-LOAD-BALANCER-SOURCE-CIDR'), ['1.2.3.4,tcp:80,203.0.113.0/25']);
  assert.ok(lines(outside.iptables).includes('-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4 -m ipvs --vaddr 1.2.3.4 --vproto tcp --vport 80 -j DROP'));
  assert.ok(outside.dummy.includes('address add 1.2.3.4/32 dev kube-ipvs0'));
  assert.deepEqual(entries(outside, 'KUBE-HEALTH-CHECK-NODE-PORT'), []);
  const local = lb(['203.0.113.0/25']);
  local.spec = { ...local.spec, externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 };
  assert.deepEqual(entries(renderIpvs([local], [], NODE), 'KUBE-HEALTH-CHECK-NODE-PORT'), ['32000']);
  const inside = renderIpvs([lb(['192.168.0.0/24'])], [], NODE);
  assert.deepEqual(entries(inside, 'KUBE-LOAD-BALANCER-SOURCE-IP'), ['1.2.3.4,tcp:80,1.2.3.4']);
  assert.ok(!inside.iptables.includes('KUBE-IPVS-OUT-FILTER -s'));
});

test('iptables-restore text: chains declared, set rules only for non-empty sets, mark formatted %#08x', () => {
  const r = renderIpvs([svc('ns1', 's', { clusterIP: '172.30.0.41', ports: [{ port: 80, protocol: 'TCP' }] })], [], { ...NODE, masqueradeMark: '0x00008000' });
  const l = lines(r.iptables);
  assert.deepEqual(l.slice(0, 6), ['*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-NODE-PORT - [0:0]', ':KUBE-LOAD-BALANCER - [0:0]', ':KUBE-MARK-MASQ - [0:0]']);
  assert.equal(l.filter((x) => x === 'COMMIT').length, 2);
  assert.ok(!r.iptables.includes('--match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER'));
  assert.ok(l.includes('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00008000'));
  assert.ok(l.includes('-A KUBE-POSTROUTING -m mark ! --mark 0x00008000/0x00008000 -j RETURN'));
  assert.ok(l.includes('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT'));
  // A service without endpoints still gets its virtual server (IPVS has no reject: it just has no real servers).
  assert.deepEqual(lines(r.ipvsadm), ['-A -t 172.30.0.41:80 -s rr']);
});

test('SCTP NodePort: --sctp-service virtual servers, KUBE-NODE-PORT-SCTP-HASH holds node IP,sctp:port and matches dst,dst', () => {
  const r = renderIpvs(
    [svc('ns6', 'sctp', { type: 'NodePort', clusterIP: '172.30.0.48', externalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 9999, nodePort: 30099, protocol: 'SCTP' }] })],
    [slice('ns6', 'sctp', 9999, [{ ip: '10.180.0.11', node: 'node1' }], 'SCTP')],
    NODE,
  );
  assert.ok(lines(r.ipvsadm).includes('-A --sctp-service 192.168.0.2:30099 -s rr'));
  assert.deepEqual(entries(r, 'KUBE-NODE-PORT-SCTP-HASH'), ['192.168.0.2,sctp:30099']);
  assert.deepEqual(entries(r, 'KUBE-NODE-PORT-LOCAL-SCTP-HASH'), ['192.168.0.2,sctp:30099']);
  assert.ok(lines(r.iptables).includes(`-A KUBE-NODE-PORT -p sctp -m comment --comment "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" -m set --match-set KUBE-NODE-PORT-SCTP-HASH dst,dst -j KUBE-MARK-MASQ`));
});

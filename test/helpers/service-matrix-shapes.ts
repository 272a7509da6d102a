/**
 * The Service matrix's shapes: ClusterIP (by DNS name, named targetPort, UDP, SCTP, affinity,
 * no endpoints), NodePort on every node, LoadBalancer, externalIPs, headless, selector-less,
 * `kubectl expose`, NodePort on localhost. Same cluster and manifests as service-matrix.ts.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { podnet } from './cluster.js';
import { eventually } from './eventually.js';
import { answers, curl, curlTimes, NODE_IPS, run, succeeds, type MatrixCluster } from './service-matrix-cluster.js';
import { AFFINITY_TIMEOUT_SECONDS, EXTERNAL_IP, REQUESTED_CLUSTER_IP, REQUESTED_NODE_PORT } from './service-matrix-manifests.js';
import type { ModeExpectations } from './service-matrix.js';

/**
 * One SCTP INIT chunk sent through a raw socket (this kernel has no SCTP sockets, but netfilter
 * tracks and NATs SCTP): python3 -c <this> <dst> <dport> <sport>.
 */
const SCTP_INIT = `
import socket, struct, sys
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff
dst, dport, sport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
init = struct.pack('!BBHIIHHI', 1, 0, 20, 0x11223344, 65535, 1, 1, 0x01020304)
common = struct.pack('!HHI', sport, dport, 0)
crc = crc32c(common + b'\\0\\0\\0\\0' + init)
socket.socket(socket.AF_INET, socket.SOCK_RAW, 132).sendto(common + struct.pack('<I', crc) + init, (dst, 0))
`;

export function shapeTests(c: MatrixCluster, expect: ModeExpectations): void {
  it(`records the proxy mode (${c.mode})`, () => {
    const r = podnet(['status', '--name', c.name]);
    assert.match(r.stdout, new RegExp(`proxy\\s+${c.mode} mode`), `podnet status should show the ${c.mode} proxy mode (exit ${r.status}): ${r.stderr}`);
  });

  it('reaches a ClusterIP by name from pods on both nodes (podnet exec), on a named targetPort', async () => {
    const echo = c.podNames('app=echo');
    for (const client of ['client1', 'client2']) {
      const out = await succeeds(`echo from ${client}`, () => c.podnetExec(client, curl('http://echo/hostname')));
      assert.ok(echo.includes(out.trim()), `${client} got ${out}, expected one of ${echo}`);
    }
  });

  it('serves a NodePort on every node to the outside host', async () => {
    const port = c.nodePort('echo-np');
    assert.ok(Number(port) >= 30000 && Number(port) <= 32767, `nodePort ${port} should be allocated from 30000-32767`);
    for (const nodeIP of Object.values(NODE_IPS)) {
      const out = await succeeds(`NodePort on ${nodeIP}`, () => c.onHost('outside', curl(`http://${nodeIP}:${port}/hostname`)));
      assert.match(out, /^echo-/, `NodePort ${nodeIP}:${port} should answer from an echo pod`);
    }
  });

  it('serves a requested ClusterIP and a requested node port', async () => {
    assert.equal(c.clusterIP('requested'), REQUESTED_CLUSTER_IP, 'the requested ClusterIP should be kept');
    assert.equal(c.nodePort('requested'), String(REQUESTED_NODE_PORT), 'the requested nodePort should be kept');
    const viaIP = await succeeds('requested ClusterIP from client1', () => c.inPod('client1', curl(`http://${REQUESTED_CLUSTER_IP}/hostname`)));
    assert.match(viaIP, /^echo-/, `${REQUESTED_CLUSTER_IP} should answer from an echo pod`);
    const viaPort = await succeeds('requested node port from outside', () => c.onHost('outside', curl(`http://${NODE_IPS.node2}:${REQUESTED_NODE_PORT}/hostname`)));
    assert.match(viaPort, /^echo-/, `node2:${REQUESTED_NODE_PORT} should answer from an echo pod`);
  });

  it(`answers a NodePort on 127.0.0.1 from the node itself: ${expect.localhostNodePorts ? 'yes' : 'no'}`, async () => {
    const port = c.nodePort('echo-np');
    await succeeds('NodePort on the node IP from the node', () => c.onHost('node1', curl(`http://${NODE_IPS.node1}:${port}/hostname`)));
    if (expect.localhostNodePorts) {
      const out = await succeeds('NodePort on 127.0.0.1', () => c.onHost('node1', curl(`http://127.0.0.1:${port}/hostname`)));
      assert.match(out, /^echo-/, `127.0.0.1:${port} on node1 should answer from an echo pod`);
    } else {
      const r = c.onHost('node1', curl(`http://127.0.0.1:${port}/hostname`));
      assert.equal(r.status, 7, `nothing should answer on 127.0.0.1:${port} (curl exit 7), got ${r.status}: ${r.stdout}${r.stderr}`);
    }
  });

  it('gives a LoadBalancer an address from the --lb-pool, reachable from outside', async () => {
    const ingress = await eventually('LB ingress', () => {
      const s = JSON.parse(c.kubectl.ok(['get', 'svc', 'echo-lb', '-o', 'json']));
      return s.status?.loadBalancer?.ingress?.[0] as { ip: string; ipMode: string } | undefined;
    });
    assert.equal(ingress.ipMode, 'VIP', 'the ingress should be a VIP (traffic addressed to the LB IP itself)');
    assert.match(ingress.ip, /^172\.18\.0\.(24[5-9]|250)$/, 'the address should come from the pool');
    assert.match(c.kubectl.ok(['get', 'svc', 'echo-lb']), new RegExp(`LoadBalancer\\s+\\S+\\s+${ingress.ip.replace(/\./g, '\\.')}\\s+80:3\\d{4}/TCP`), 'kubectl get svc should show the EXTERNAL-IP and the node port');
    const out = await succeeds('LB IP from outside', () => c.onHost('outside', curl(`http://${ingress.ip}/hostname`)));
    assert.match(out, /^echo-/, 'the LB IP should answer from an echo pod');
  });

  it('accepts externalIPs routed to a node', async () => {
    c.onHost('outside', `ip route replace ${EXTERNAL_IP}/32 via ${NODE_IPS.node1}`);
    const out = await succeeds('externalIP from outside', () => c.onHost('outside', curl(`http://${EXTERNAL_IP}/hostname`)));
    assert.match(out, /^echo-/, 'the externalIP should answer from an echo pod');
  });

  it('answers a headless Service with the pod addresses in DNS', async () => {
    const ips = c.get(['pods', '-l', 'app=echo', '-o', 'jsonpath={.items[*].status.podIP}']).split(' ').sort();
    const out = await succeeds('headless A records', () => {
      const r = c.inPod('client1', 'dig +short echo-headless.default.svc.cluster.local');
      return { ...r, status: r.stdout.trim().split('\n').length === 2 ? r.status : 1 };
    });
    assert.deepEqual(out.trim().split('\n').sort(), ips, 'one A record per echo pod');
  });

  it('routes a selector-less Service to hand-written Endpoints', async () => {
    c.kubectl.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Endpoints
metadata: {name: manual}
subsets: [{addresses: [{ip: ${c.podIP('local-web')}}], ports: [{port: 8080}]}]
`);
    const out = await succeeds('manual', () => c.inPod('client1', curl('http://manual/hostname')));
    assert.equal(out.trim(), 'local-web', 'the hand-written endpoint should answer');
  });

  it('balances UDP on a named port of a multi-port Service', async () => {
    const ip = c.clusterIP('echo');
    const py = `python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);s.sendto(b'hostname',('${ip}',5353));print(s.recv(200).decode())"`;
    const out = await succeeds('UDP echo', () => c.inPod('client2', py));
    assert.ok(c.podNames('app=echo').includes(out.trim()), `UDP answer ${out} should name an echo pod`);
  });

  it('keeps a client on one endpoint with sessionAffinity ClientIP', async () => {
    await succeeds('sticky', () => c.inPod('client1', curl('http://echo-sticky/hostname')));
    const seen = new Set(answers(c.inPod('client1', curlTimes(8, 'http://echo-sticky/hostname')).stdout));
    assert.equal(seen.size, 1, `8 requests should reach one endpoint, reached ${[...seen]}`);
    assert.match([...seen][0], /^echo-/, 'that endpoint should be an echo pod');
  });

  it(`sessionAffinity ClientIP timeoutSeconds ${AFFINITY_TIMEOUT_SECONDS}: pinned within it, free again after it`, async () => {
    // By address: a DNS lookup between two requests must not eat into the timeout.
    const url = `http://${c.clusterIP('echo-sticky-short')}/hostname`;
    await succeeds('echo-sticky-short', () => c.inPod('client2', curl(url)));
    const burst = new Set(answers(c.inPod('client2', curlTimes(4, url)).stdout));
    assert.ok([...burst].every((b) => b.startsWith('echo-')), `every request should be answered by an echo pod: ${[...burst]}`);
    assert.equal(burst.size, 1, `back-to-back requests within the timeout should stay on one endpoint, reached ${[...burst]}`);
    // Each request after an idle period longer than the timeout picks at random again: with two
    // endpoints, 12 tries all landing on the first one would happen once in 4,096 runs.
    const seen = new Set(burst);
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      await new Promise((r) => setTimeout(r, AFFINITY_TIMEOUT_SECONDS * 1000 + 250));
      const out = c.inPod('client2', curl(url)).stdout.trim();
      assert.match(out, /^echo-/, `every request should still be answered by an echo pod, got "${out}"`);
      seen.add(out);
    }
    assert.equal(seen.size, 2, `after ${AFFINITY_TIMEOUT_SECONDS} s idle the client should be free to reach the other endpoint too, reached only ${[...seen]}`);
  });

  it(`answers a Service without endpoints: ${expect.noEndpoints}`, () => {
    const r = c.inPod('client1', curl(`http://${c.clusterIP('empty')}/`, 5));
    if (expect.noEndpoints === 'refused') {
      // A dropped SYN would end in curl's timeout (exit 28); a reject is an immediate refusal (7).
      assert.equal(r.status, 7, `curl should be refused (REJECT), got exit ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, /Connection refused|Couldn't connect/);
    } else {
      assert.ok(r.status === 52 || r.status === 56, `the proxy should accept and close (curl exit 52/56), got exit ${r.status}: ${r.stderr}`);
    }
  });

  it(`SCTP: ${expect.sctp ? 'DNATed to an endpoint' : 'not proxied'} (raw INIT seen in conntrack; the kernel has no SCTP sockets)`, async () => {
    const ip = c.clusterIP('echo-sctp');
    const endpoints = c.get(['pods', '-l', 'app=echo', '-o', 'jsonpath={.items[*].status.podIP}']).split(' ');
    let sport = 40000;
    const dnated = (): string | undefined => {
      const sent = run('ip', ['netns', 'exec', `${c.name}-node1`, 'python3', '-c', SCTP_INIT, ip, '9000', String(++sport)]);
      if (sent.status !== 0) throw new Error(sent.stderr);
      const flows = run('ip', ['netns', 'exec', `${c.name}-node1`, 'conntrack', '-L', '-p', 'sctp', '-d', ip]).stdout;
      return flows.split('\n').find((l) => l.includes(`sport=${sport} dport=9000`) && /src=10\.244\.\d+\.\d+ .*sport=8080/.test(l));
    };
    if (!expect.sctp) {
      for (let i = 0; i < 5; i++) assert.equal(dnated(), undefined, 'SCTP should not be DNATed in this mode');
      return;
    }
    const entry = await eventually('an SCTP flow DNATed to an echo pod', dnated, 20_000, 300);
    const replySrc = /\[UNREPLIED\] src=(\S+)|dport=9000 .*? src=(\S+)/.exec(entry);
    assert.ok(endpoints.includes(replySrc?.[1] ?? replySrc?.[2] ?? ''), `the reply tuple should name an echo pod: ${entry}`);
  });

  it('kubectl expose of a Deployment and of a ReplicationController gives working Services', async () => {
    c.kubectl.ok(['expose', 'deployment', 'echo', '--name', 'echo-exposed', '--port', '8000', '--target-port', '8080']);
    c.kubectl.ok(['expose', 'rc', 'rc-web', '--port', '80', '--target-port', '8080']);
    assert.match(await succeeds('exposed deployment', () => c.inPod('client2', curl('http://echo-exposed:8000/hostname'))), /^echo-/, 'the exposed Deployment should answer from an echo pod');
    assert.match(await succeeds('exposed rc', () => c.inPod('client1', curl('http://rc-web/hostname'))), /^rc-web-/, 'the exposed ReplicationController should answer from its pod');
  });
}

/**
 * End to end: every Service shape on one real 2-node cluster in the default (nftables) proxy
 * mode, reached the way users reach them: from pods on both nodes, from a node itself, and from
 * the outside host on the node network (NodePort on every node, LoadBalancer IPs announced by a
 * speaker, externalIPs routed to a node).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Kubectl, leftovers, podnet, uniqueName, type RunResult } from '../helpers/cluster.js';
import { eventually } from '../helpers/eventually.js';

const name = uniqueName('s');
let kubectl: Kubectl;
const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
const EXTERNAL_IP = '172.18.0.230';

const pod = (podName: string, node: string, labels: string, args: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}, labels: {${labels}}}
spec:
  nodeName: ${node}
  containers: [{name: c, image: ${args ? AGNHOST : 'busybox'}, ${args ? `args: [${args}]` : 'command: [sleep, infinity]'}}]
`;

const svc = (svcName: string, spec: string) => `apiVersion: v1
kind: Service
metadata: {name: ${svcName}}
spec: {${spec}}
`;

const MANIFESTS = [
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: netexec
        image: ${AGNHOST}
        args: [netexec, --http-port=8080, --udp-port=8081]
        ports: [{name: http, containerPort: 8080}, {name: udp, containerPort: 8081, protocol: UDP}]
`,
  pod('local-web', 'node2', 'app: local', 'netexec, --http-port=8080'),
  pod('client1', 'node1', 'role: client', ''),
  pod('client2', 'node2', 'role: client', ''),
  svc('echo', 'selector: {app: echo}, ports: [{name: http, port: 80, targetPort: http}, {name: udp, port: 5353, protocol: UDP, targetPort: udp}]'),
  svc('echo-np', 'type: NodePort, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('echo-lb', 'type: LoadBalancer, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('local-lb', 'type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: local}, ports: [{port: 80, targetPort: 8080}]'),
  svc('fw-lb', 'type: LoadBalancer, loadBalancerSourceRanges: [172.18.0.200/32], selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('echo-headless', 'clusterIP: None, selector: {app: echo}, ports: [{port: 8080}]'),
  svc('echo-ext', `externalIPs: [${EXTERNAL_IP}], selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]`),
  svc('echo-sticky', 'sessionAffinity: ClientIP, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('empty', 'selector: {app: nothing}, ports: [{port: 80}]'),
  svc('manual', 'ports: [{port: 80, targetPort: 8080}]'),
  svc('echo-sctp', 'selector: {app: echo}, ports: [{port: 9000, protocol: SCTP, targetPort: 8080}]'),
  `apiVersion: v1
kind: ReplicationController
metadata: {name: rc-web}
spec:
  replicas: 1
  selector: {app: rc-web}
  template:
    metadata: {labels: {app: rc-web}}
    spec: {containers: [{name: c, image: ${AGNHOST}, args: [netexec, --http-port=8080]}]}
`,
].join('---\n');

function run(cmd: string, args: string[], timeoutMs = 15_000): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
/** A shell command in a pod (podnet exec, as a user would). */
const inPod = (p: string, cmd: string): RunResult => podnet(['exec', '--name', name, p, '--', 'sh', '-c', cmd], 20_000);
/** A shell command on a machine of the cluster: `outside`, `node1`, `node2`. */
const onHost = (machine: string, cmd: string): RunResult => run('ip', ['netns', 'exec', `${name}-${machine}`, 'sh', '-c', cmd]);
const curl = (url: string) => `curl -sS --max-time 2 ${url}`;

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

/** Polls until the command succeeds (proxies and speakers sync asynchronously); returns stdout. */
function succeeds(what: string, attempt: () => RunResult, ms = 20_000): Promise<string> {
  return eventually(what, () => {
    const r = attempt();
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }, ms, 200);
}

const jsonpath = (args: string[]): string => kubectl.ok(['get', ...args]).trim();
const clusterIP = (svcName: string): string => jsonpath(['svc', svcName, '-o', 'jsonpath={.spec.clusterIP}']);
const podNames = (label: string): string[] => jsonpath(['pods', '-l', label, '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').sort();

describe('every Service shape, end to end (nftables mode)', { timeout: 180_000 }, () => {
  before(() => {
    const r = podnet(['up', '--name', name, '--nodes', '2', '--lb-pool', '172.18.0.245-172.18.0.250']);
    assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
    const kc = podnet(['kubeconfig', '--name', name]);
    assert.equal(kc.status, 0, kc.stderr);
    kubectl = new Kubectl(kc.stdout);
    kubectl.ok(['apply', '-f', '-'], MANIFESTS);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod', '--all', '--timeout=90s']);
  });

  after(() => {
    const r = podnet(['down', '--name', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(leftovers(name), [], 'podnet down left things behind');
  });

  it('reaches a ClusterIP by name from pods on both nodes, on a named targetPort', async () => {
    const echo = podNames('app=echo');
    for (const client of ['client1', 'client2']) {
      const out = await succeeds(`echo from ${client}`, () => inPod(client, curl('http://echo/hostname')));
      assert.ok(echo.includes(out.trim()), `${client} got ${out}, not one of ${echo}`);
    }
  });

  it('reaches a ClusterIP from a node itself (nat output), masqueraded', async () => {
    const ip = clusterIP('echo');
    for (const node of ['node1', 'node2']) {
      const out = await succeeds(`echo from ${node}`, () => onHost(node, curl(`http://${ip}/clientip`)));
      assert.match(out, /^10\.244\.\d+\.\d+:\d+$/, `${node}: the server should see a pod-network address of the node`);
    }
  });

  it('serves a NodePort on every node to the outside host', async () => {
    const port = jsonpath(['svc', 'echo-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']);
    assert.ok(Number(port) >= 30000 && Number(port) <= 32767);
    for (const nodeIP of ['172.18.0.11', '172.18.0.12']) {
      const out = await succeeds(`NodePort on ${nodeIP}`, () => onHost('outside', curl(`http://${nodeIP}:${port}/hostname`)));
      assert.match(out, /^echo-/);
    }
  });

  it('gives a LoadBalancer an address from the --lb-pool, reachable from outside', async () => {
    const ingress = await eventually('LB ingress', () => {
      const s = JSON.parse(kubectl.ok(['get', 'svc', 'echo-lb', '-o', 'json']));
      return s.status?.loadBalancer?.ingress?.[0] as { ip: string; ipMode: string } | undefined;
    });
    assert.equal(ingress.ipMode, 'VIP');
    assert.match(ingress.ip, /^172\.18\.0\.(24[5-9]|250)$/);
    assert.match(kubectl.ok(['get', 'svc', 'echo-lb']), new RegExp(`LoadBalancer\\s+\\S+\\s+${ingress.ip.replace(/\./g, '\\.')}\\s+80:3\\d{4}/TCP`));
    const out = await succeeds('LB IP from outside', () => onHost('outside', curl(`http://${ingress.ip}/hostname`)));
    assert.match(out, /^echo-/);
  });

  it('loadBalancerSourceRanges: the allowed outside host passes, a pod is dropped before DNAT', async () => {
    const lbIP = await eventually('fw-lb ingress', () => jsonpath(['svc', 'fw-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']) || undefined);
    assert.match(await succeeds('fw-lb from outside', () => onHost('outside', curl(`http://${lbIP}/hostname`))), /^echo-/);
    const r = inPod('client1', curl(`http://${lbIP}/hostname`));
    assert.equal(r.status, 28, `a source outside the ranges must be dropped (curl timeout), got ${r.status}: ${r.stdout}${r.stderr}`);
  });

  it('externalTrafficPolicy Local: the endpoint\'s node announces, the client IP survives, health checks answer', async () => {
    const lbIP = await eventually('local-lb ingress', () => jsonpath(['svc', 'local-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']) || undefined);
    // local-web runs on node2 only: node2 must hold the address, node1 must not.
    await succeeds('node2 announces', () => onHost('node2', `ip -4 -br addr show eth0 | grep -q ' ${lbIP}/32'`));
    assert.doesNotMatch(onHost('node1', 'ip -4 -br addr show eth0').stdout, new RegExp(` ${lbIP}/32`));
    const out = await succeeds('local-lb from outside', () => onHost('outside', curl(`http://${lbIP}/clientip`)));
    assert.match(out, /^172\.18\.0\.200:\d+$/, 'the server must see the outside host\'s own address');
    const hc = jsonpath(['svc', 'local-lb', '-o', 'jsonpath={.spec.healthCheckNodePort}']);
    assert.ok(Number(hc) >= 30000, `healthCheckNodePort ${hc}`);
    const healthy = await succeeds('health check on node2', () => onHost('outside', `curl -sS -i --max-time 2 http://172.18.0.12:${hc}/healthz`));
    assert.match(healthy, /^HTTP\/1\.1 200 OK/);
    assert.match(healthy, /X-Load-Balancing-Endpoint-Weight: 1/i);
    const body = (s: string) => JSON.parse(s.slice(s.indexOf('{')));
    assert.deepEqual(body(healthy), { service: { namespace: 'default', name: 'local-lb' }, localEndpoints: 1, serviceProxyHealthy: true });
    const sick = onHost('outside', `curl -sS -i --max-time 2 http://172.18.0.11:${hc}/`);
    assert.match(sick.stdout, /^HTTP\/1\.1 503 Service Unavailable/);
    assert.equal(body(sick.stdout).localEndpoints, 0);
  });

  it('answers a headless Service with the pod addresses in DNS', async () => {
    const ips = jsonpath(['pods', '-l', 'app=echo', '-o', 'jsonpath={.items[*].status.podIP}']).split(' ').sort();
    const out = await succeeds('headless A records', () => {
      const r = inPod('client1', 'dig +short echo-headless.default.svc.cluster.local');
      return { ...r, status: r.stdout.trim().split('\n').length === 2 ? r.status : 1 };
    });
    assert.deepEqual(out.trim().split('\n').sort(), ips);
  });

  it('routes a selector-less Service to hand-written Endpoints', async () => {
    const ip = jsonpath(['pod', 'local-web', '-o', 'jsonpath={.status.podIP}']);
    kubectl.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Endpoints
metadata: {name: manual}
subsets: [{addresses: [{ip: ${ip}}], ports: [{port: 8080}]}]
`);
    assert.equal((await succeeds('manual', () => inPod('client1', curl('http://manual/hostname')))).trim(), 'local-web');
  });

  it('accepts externalIPs routed to a node', async () => {
    onHost('outside', `ip route replace ${EXTERNAL_IP}/32 via 172.18.0.11`);
    const out = await succeeds('externalIP from outside', () => onHost('outside', curl(`http://${EXTERNAL_IP}/hostname`)));
    assert.match(out, /^echo-/);
  });

  it('balances UDP on a named port of a multi-port Service', async () => {
    const ip = clusterIP('echo');
    const py = `python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);s.sendto(b'hostname',('${ip}',5353));print(s.recv(200).decode())"`;
    const out = await succeeds('UDP echo', () => inPod('client2', py));
    assert.ok(podNames('app=echo').includes(out.trim()), `UDP answer ${out}`);
  });

  it('keeps a client on one endpoint with sessionAffinity ClientIP', async () => {
    await succeeds('sticky', () => inPod('client1', curl('http://echo-sticky/hostname')));
    const out = inPod('client1', `for i in 1 2 3 4 5 6 7 8; do ${curl('http://echo-sticky/hostname')}; echo; done`).stdout;
    const seen = new Set(out.trim().split('\n'));
    assert.equal(seen.size, 1, `affinity broken: ${[...seen]}`);
  });

  it('refuses connections to a Service without endpoints (REJECT, not a timeout)', () => {
    // A dropped SYN would end in curl's timeout (exit 28); a reject is an immediate refusal (7).
    const r = inPod('client1', `curl -sS --max-time 5 http://${clusterIP('empty')}/`);
    assert.equal(r.status, 7, `curl should fail to connect: ${r.stderr}`);
    assert.match(r.stderr, /Connection refused|Couldn't connect/);
  });

  it('lets a pod reach itself through its own Service (hairpin, masqueraded)', async () => {
    const podIP = jsonpath(['pod', 'local-web', '-o', 'jsonpath={.status.podIP}']);
    const out = await succeeds('hairpin', () => inPod('local-web', curl(`http://${clusterIP('local-lb')}/clientip`)));
    const seen = out.trim().split(':')[0];
    assert.notEqual(seen, podIP, 'hairpin traffic must be masqueraded, or the reply would bypass the DNAT');
    assert.match(seen, /^10\.244\.\d+\.1$/, 'masqueraded to the node\'s bridge address');
  });

  it('DNATs SCTP to an endpoint (kernel without SCTP sockets: a raw INIT, seen in conntrack)', async () => {
    const ip = clusterIP('echo-sctp');
    const endpoints = jsonpath(['pods', '-l', 'app=echo', '-o', 'jsonpath={.items[*].status.podIP}']).split(' ');
    let sport = 40000;
    const entry = await eventually('an SCTP flow DNATed to an echo pod', () => {
      const sent = run('ip', ['netns', 'exec', `${name}-node1`, 'python3', '-c', SCTP_INIT, ip, '9000', String(++sport)]);
      if (sent.status !== 0) throw new Error(sent.stderr);
      const flows = run('ip', ['netns', 'exec', `${name}-node1`, 'conntrack', '-L', '-p', 'sctp', '-d', ip]).stdout;
      return flows.split('\n').find((l) => l.includes(`sport=${sport} dport=9000`) && /src=10\.244\.\d+\.\d+ .*sport=8080/.test(l));
    }, 20_000, 300);
    const replySrc = /\[UNREPLIED\] src=(\S+)|dport=9000 .*? src=(\S+)/.exec(entry);
    assert.ok(endpoints.includes(replySrc?.[1] ?? replySrc?.[2] ?? ''), `reply tuple should name an echo pod: ${entry}`);
  });

  it('kubectl expose of a Deployment and of a ReplicationController gives working Services', async () => {
    kubectl.ok(['expose', 'deployment', 'echo', '--name', 'echo-exposed', '--port', '8000', '--target-port', '8080']);
    kubectl.ok(['expose', 'rc', 'rc-web', '--port', '80', '--target-port', '8080']);
    assert.match(await succeeds('exposed deployment', () => inPod('client2', curl('http://echo-exposed:8000/hostname'))), /^echo-/);
    assert.match(await succeeds('exposed rc', () => inPod('client1', curl('http://rc-web/hostname'))), /^rc-web-/);
  });
});

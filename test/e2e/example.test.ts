/**
 * End to end: `podnet up` a 2-node cluster, deploy seed 002's web application with the real
 * kubectl, and reach it through its Service's DNS name from a client pod on the other node.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { clusterDown, clusterUp, Kubectl, podnet, REPO, uniqueName } from '../helpers/cluster.js';

const name = uniqueName('e');
const examples = join(REPO, 'examples', 'web');
let kubectl: Kubectl;

function exec(args: string[]): string {
  const r = podnet(['exec', '--name', name, ...args], 60_000);
  assert.equal(r.status, 0, `podnet exec ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe('seed 002 web application, end to end', { timeout: 600_000 }, () => {
  let webPod = '';
  let webIP = '';
  let clientIP = '';

  before(() => {
    kubectl = clusterUp(name, ['--nodes', '2']);
  });

  after(() => clusterDown(name));

  it('registers two Ready nodes with pod CIDRs', () => {
    const out = kubectl.ok(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR}{"\\n"}{end}']);
    const cidrs = out.trim().split('\n').sort().map((l) => l.split(' '));
    assert.deepEqual(cidrs.map(([n]) => n), ['node1', 'node2']);
    // The range allocator hands out the first free /24 in the order nodes register.
    assert.deepEqual(cidrs.map(([, c]) => c).sort(), ['10.244.0.0/24', '10.244.1.0/24']);
    kubectl.ok(['wait', '--for=condition=Ready', 'node/node1', 'node/node2', '--timeout=60s']);
  });

  it('runs the seed Deployment and its Service applied with kubectl', () => {
    assert.match(kubectl.ok(['apply', '-f', join(examples, 'deployment.yaml')]), /deployment.apps\/deployment created/);
    assert.match(kubectl.ok(['apply', '-f', join(examples, 'service.yaml')]), /service\/web created/);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=web_server', '--timeout=90s']);
    const pod = JSON.parse(kubectl.ok(['get', 'pods', '-l', 'app=web_server', '-o', 'json'])).items[0];
    webPod = pod.metadata.name;
    webIP = pod.status.podIP;
    assert.match(webPod, /^deployment-[a-z0-9]+-[a-z0-9]{5}$/);
    assert.equal(pod.status.containerStatuses.length, 2);
    const wide = kubectl.ok(['get', 'pods', '-o', 'wide']);
    assert.match(wide, new RegExp(`${webPod}\\s+2/2\\s+Running\\s+0\\s+\\S+\\s+${webIP.replace(/\./g, '\\.')}\\s+node[12]`));
  });

  it('places a client pod on the other node', () => {
    const webNode = kubectl.ok(['get', 'pod', webPod, '-o', 'jsonpath={.spec.nodeName}']).trim();
    const otherNode = webNode === 'node1' ? 'node2' : 'node1';
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client}}
spec:
  nodeName: ${otherNode}
  containers:
  - {name: client, image: busybox, command: [sleep, infinity]}
`;
    kubectl.ok(['apply', '-f', '-'], manifest);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/client', '--timeout=60s']);
    clientIP = kubectl.ok(['get', 'pod', 'client', '-o', 'jsonpath={.status.podIP}']).trim();
    assert.match(clientIP, /^10\.244\.[01]\.\d+$/);
    assert.notEqual(clientIP.split('.')[2], webIP.split('.')[2], 'client and web pods share a node');
  });

  it('answers through the Service DNS name from the other node', () => {
    // Each node's proxy programs new endpoints within its sync period (upstream e2e tests poll
    // for reachability the same way); after the first answer every request must succeed.
    const url = 'http://web.default.svc.cluster.local/';
    for (let i = 0; i < 40; i++) {
      if (podnet(['exec', '--name', name, 'client', '--', 'curl', '-s', '--max-time', '2', url], 10_000).status === 0) break;
      spawnSync('sleep', ['0.25']);
    }
    assert.equal(exec(['client', '--', 'curl', '-sS', '--max-time', '10', 'http://web.default.svc.cluster.local/']),
      '<html><body><h1>It works!</h1></body></html>\n');
    assert.equal(exec(['client', '--', 'curl', '-sS', '--max-time', '10', 'http://web:8080/']),
      `Hello Kubernetes bootcamp! | Running on: ${webPod} | v=1\n`);
  });

  it('resolves the Service name to its ClusterIP with cluster DNS', () => {
    const clusterIP = kubectl.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']).trim();
    assert.match(clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
    assert.equal(exec(['client', '--', 'dig', '+short', '+search', 'web']).trim(), clusterIP);
    assert.equal(exec(['client', '--', 'cat', '/etc/resolv.conf']),
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  it('lets the containers of the web pod reach each other on localhost', () => {
    assert.equal(exec([webPod, '-c', 'httpd-test', '--', 'curl', '-sS', 'http://localhost:8080/']),
      `Hello Kubernetes bootcamp! | Running on: ${webPod} | v=1\n`);
    assert.equal(exec([webPod, '-c', 'bootcamp-test', '--', 'curl', '-sS', 'http://127.0.0.1:80/']),
      '<html><body><h1>It works!</h1></body></html>\n');
  });

  it('shows the server the client pod\'s own IP (no NAT between pods)', () => {
    // The web pod's sockets see the peer address; ss in its namespace shows the connection's source.
    const probe = `pod-ip-probe-${Date.now()}`;
    exec(['client', '--', 'curl', '-sS', '--max-time', '10', '-o', '/dev/null', `http://web.default.svc.cluster.local/${probe}`]);
    const log = kubectl.ok(['logs', webPod, '-c', 'httpd-test']);
    const line = log.split('\n').find((l) => l.includes(probe));
    assert.ok(line, `httpd access log has no line for ${probe}:\n${log}`);
    assert.ok(line.startsWith(`${clientIP} `), `httpd saw ${line.split(' ')[0]}, expected the client pod IP ${clientIP}`);
  });

  it('runs kubectl exec in a container (WebSocket v5): output, stdin, exit code', () => {
    assert.equal(kubectl.ok(['exec', webPod, '-c', 'bootcamp-test', '--', 'hostname']), `${webPod}\n`);
    assert.equal(kubectl.ok(['exec', '-i', 'client', '--', 'cat'], 'through stdin\n'), 'through stdin\n');
    const r = kubectl.run(['exec', 'client', '--', 'sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /oops/);
    assert.match(r.stderr, /command terminated with exit code 3/);
    const bad = kubectl.run(['exec', 'client', '-c', 'nope', '--', 'true']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /container nope is not valid for pod client/);
  });

  it('runs a program installed on the host through command:', () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: pyweb}
spec:
  containers:
  - {name: web, image: busybox, command: [python3, -m, http.server, "8000"], workingDir: /tmp}
`;
    kubectl.ok(['apply', '-f', '-'], manifest);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/pyweb', '--timeout=60s']);
    const ip = kubectl.ok(['get', 'pod', 'pyweb', '-o', 'jsonpath={.status.podIP}']).trim();
    // python's server binds once it has started; retry briefly, as a readiness probe would.
    let out = '';
    for (let i = 0; i < 20 && !out.includes('Directory listing'); i++) {
      out = podnet(['exec', '--name', name, 'client', '--', 'curl', '-sS', '--max-time', '3', `http://${ip}:8000/`]).stdout;
    }
    assert.match(out, /Directory listing for \//);
  });

  it('has a host outside the cluster on the node network', () => {
    const out = exec(['--outside', '--', 'ip', '-br', 'addr', 'show', 'eth0']);
    assert.match(out, /172\.18\.0\.200\/16/);
    assert.match(exec(['--outside', '--', 'ping', '-c', '1', '-W', '2', '172.18.0.11']), /1 received/);
    assert.match(exec(['--node', 'node1', '--', 'ip', '-br', 'addr', 'show', 'eth0']), /172\.18\.0\.11\/16/);
  });

  it('routes pod to pod across nodes over the VXLAN overlay', () => {
    const out = exec(['client', '--', 'ping', '-c', '1', '-W', '2', webIP]);
    assert.match(out, /ttl=62/, 'a cross-node packet crosses two routers (both nodes)');
  });
});

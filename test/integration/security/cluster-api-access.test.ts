/**
 * Issue 3 item 5 on a whole cluster (`podnet up`, one node, a temporary state root): the API needs
 * a bearer token (401 without one, or with a wrong one), its https certificate is the CA written
 * into the kubeconfig and kubectl verifies it, and a pod reaches the API only through the
 * `kubernetes` Service with its mounted token: not the apiserver's socket, not the store, not the
 * agent's socket, not cluster.json, not the apiserver's own TCP port.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCert } from '../../../src/apiserver/tls.js';
import { Kubectl, leftovers, podnet, uniqueName } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';

const name = uniqueName('s');
const base = mkdtempSync(join(tmpdir(), `${name}-state-`));
const root = join(base, name);

/** Each check prints `name=ok` if the pod got through, `name=denied` if not. */
function podScript(apiPort: number): string {
  const svc = 'http://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT';
  return `
try() { if eval "$2" >/dev/null 2>&1; then echo "$1=ok"; else echo "$1=denied"; fi; }
T=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)
# The service proxy may still be syncing the kubernetes Service when the pod starts.
for i in $(seq 60); do curl -sf --max-time 2 -o /dev/null -H "Authorization: Bearer $T" ${svc}/api && break; sleep 1; done
try api-socket 'curl -s -f --max-time 3 --unix-socket ${root}/run/apiserver.sock http://x/api/v1/namespaces'
try store 'head -c 16 ${root}/store/state.db'
try agent-socket 'curl -s --max-time 3 --unix-socket ${root}/nodes/node1/agent.sock http://x/'
try cluster-json 'grep -q token ${root}/cluster.json'
try kubeconfig 'grep -q token ${root}/kubeconfig'
try apiserver-port 'curl -s -k --max-time 3 https://127.0.0.1:${apiPort}/version'
try service-with-token 'curl -s -f --max-time 5 -H "Authorization: Bearer $T" ${svc}/api/v1/namespaces/default/pods | grep -q PodList'
echo "service-without-token=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${svc}/api/v1/namespaces)"
echo checks-done
exec sleep infinity
`;
}

describe('API access: tokens, TLS, and what a pod can reach', { timeout: 600_000 }, () => {
  let kubectl: Kubectl;
  let kubeconfig = '';
  let cluster: { apiPort: number; token: string };
  const savedRoot = process.env.PODNET_STATE_ROOT;

  before(() => {
    process.env.PODNET_STATE_ROOT = base;
    const r = podnet(['up', '--name', name, '--nodes', '1']);
    assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
    cluster = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8'));
    const kc = podnet(['kubeconfig', '--name', name]);
    assert.equal(kc.status, 0, kc.stderr);
    kubeconfig = kc.stdout;
    kubectl = new Kubectl(kubeconfig);
  });

  after(() => {
    const r = podnet(['down', '--name', name]);
    if (kubectl) rmSync(kubectl.home, { recursive: true, force: true });
    // A failed down keeps the state root: its pid files are what a second `podnet down` needs.
    if (r.status === 0) rmSync(base, { recursive: true, force: true });
    if (savedRoot === undefined) delete process.env.PODNET_STATE_ROOT;
    else process.env.PODNET_STATE_ROOT = savedRoot;
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(leftovers(name), [], 'podnet down left things behind');
  });

  it('answers 401 without a token or with a wrong one, over https with the cluster CA', () => {
    const ca = join(base, 'ca.crt');
    writeFileSync(ca, readFileSync(join(root, 'pki', 'apiserver.crt')));
    const code = (...h: string[]) =>
      spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', ca, ...h, `https://127.0.0.1:${cluster.apiPort}/api/v1/namespaces`], { encoding: 'utf8' }).stdout;
    assert.equal(code(), '401');
    assert.equal(code('-H', 'Authorization: Bearer not-the-token'), '401');
    assert.equal(code('-H', `Authorization: Bearer ${cluster.token}`), '200');
  });

  it('writes the CA into the kubeconfig, and kubectl verifies the server with it', async () => {
    assert.match(kubeconfig, /server: https:\/\//);
    assert.match(kubeconfig, /certificate-authority-data: \S+/);
    assert.doesNotMatch(kubeconfig, /insecure-skip-tls-verify/);
    assert.match(kubectl.ok(['get', 'namespace', 'default', '-o', 'name']), /namespace\/default/);
    // The same kubeconfig trusting another CA: kubectl refuses the server.
    const other = Buffer.from((await selfSignedCert()).cert).toString('base64');
    const forged = new Kubectl(kubeconfig.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${other}`));
    try {
      const r = forged.run(['get', 'namespace', 'default'], undefined, 30_000);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /x509|certificate/);
    } finally {
      rmSync(forged.home, { recursive: true, force: true });
    }
  });

  it('lets a pod reach the API through the kubernetes Service only', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prober' },
      spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', podScript(cluster.apiPort)] }] },
    };
    kubectl.ok(['apply', '-f', '-'], JSON.stringify(manifest));
    const logs = await eventually('the pod finished its checks', () => {
      const r = kubectl.run(['logs', 'prober']);
      return r.status === 0 && r.stdout.includes('checks-done') ? r.stdout : undefined;
    }, 150_000, 1000);
    const results = Object.fromEntries(logs.trim().split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2)));
    assert.deepEqual(results, {
      'api-socket': 'denied',
      store: 'denied',
      'agent-socket': 'denied',
      'cluster-json': 'denied',
      kubeconfig: 'denied',
      'apiserver-port': 'denied',
      'service-with-token': 'ok',
      'service-without-token': '401',
    }, logs);
    // The paths the pod was denied are the live ones: the host reaches them.
    const host = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${cluster.token}`, '--unix-socket', join(root, 'run', 'apiserver.sock'), 'http://x/api/v1/namespaces'], { encoding: 'utf8' });
    assert.equal(host.stdout, '200');
    assert.ok(statSync(join(root, 'nodes', 'node1', 'agent.sock')).isSocket());
    assert.equal(readFileSync(join(root, 'store', 'state.db')).subarray(0, 15).toString(), 'SQLite format 3');
  });
});

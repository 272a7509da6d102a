/**
 * The DNS pod entry (`main`) as the agent runs it: in a network namespace of its own, with the
 * in-cluster config (KUBERNETES_SERVICE_HOST/PORT and the service account token), DNS on :53,
 * /health on :8080, /ready on :8181, /metrics on :9153. Queried from inside that namespace with dig and curl.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { eventually } from '../../helpers/controllers-apiserver.js';

const execFileP = promisify(execFile);
const prefix = `t${randomBytes(8).toString('hex').replace(/[^a-z0-9]/g, '').slice(0, 5)}-`;
const ns = `${prefix}dns`;
const harness = fileURLToPath(new URL('../../helpers/dns-main-harness.js', import.meta.url));
let child: ChildProcess | undefined;

async function inNs(...cmd: string[]): Promise<string> {
  const { stdout } = await execFileP('ip', ['netns', 'exec', ns, ...cmd]);
  return stdout.trim();
}

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await execFileP('ip', ['netns', 'del', ns]).catch(() => undefined);
  const { stdout } = await execFileP('ip', ['netns', 'list']);
  assert.ok(!stdout.includes(prefix), `namespaces with ${prefix} remain: ${stdout}`);
  assert.ok(!existsSync(`/etc/netns/${ns}`));
});

test('main() serves DNS, /health and /ready from inside a pod-like namespace, and stops on SIGTERM', async () => {
  await execFileP('ip', ['netns', 'add', ns]);
  await execFileP('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  let stderr = '';
  child = spawn('ip', ['netns', 'exec', ns, process.execPath, harness], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const answer = await eventually('DNS answer', async () => {
    const out = await inNs('dig', '@127.0.0.1', '-p', '53', 'web.default.svc.cluster.local', '+short', '+time=1', '+tries=1');
    return out === '10.96.0.50' && out;
  }, 15_000).catch((e: Error) => assert.fail(`${e.message}\n${stderr}`));
  assert.equal(answer, '10.96.0.50');
  assert.equal(await inNs('dig', '@127.0.0.1', 'web.default.svc.cluster.local', '+tcp', '+short'), '10.96.0.50');
  assert.equal(await inNs('curl', '-s', 'http://127.0.0.1:8080/health'), 'OK');
  assert.equal(await inNs('curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:8181/ready'), '200');
  const metrics = await inNs('curl', '-s', 'http://127.0.0.1:9153/metrics');
  assert.match(metrics, /coredns_dns_requests_total\{family="1",proto="tcp",server="dns:\/\/:53",type="A",view="",zone="."\} 1/);
  assert.match(metrics, /coredns_dns_responses_total\{plugin="",rcode="NOERROR",server="dns:\/\/:53",view="",zone="."\} \d+/);
  const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});

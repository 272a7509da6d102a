/**
 * The built-in images as real processes in a network namespace of their own: httpd, nginx,
 * bootcamp, agnhost netexec (HTTP and UDP) and serve-hostname, pause; each answers on its port
 * and exits 0 on SIGTERM, as the agent's containers do.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, inNetns, uniqueName } from '../../helpers/agent-node.js';

const MAIN = join(REPO, 'dist', 'src', 'images', 'main.js');

/** A UDP request from inside `ns`, answered within 2 s. */
function udp(ns: string, port: number, msg: string): string {
  const js = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{process.stdout.write(m.toString());process.exit(0)});s.send(${JSON.stringify(msg)},${port},'127.0.0.1');setTimeout(()=>process.exit(3),2000)`;
  return inNetns(ns, [process.execPath, '-e', js]).stdout;
}

describe('built-in images in a network namespace', { timeout: 120_000 }, () => {
  const ns = `${uniqueName('t')}-img`;
  const procs: ChildProcess[] = [];
  const run = (image: string, ...args: string[]) => {
    // unshare --uts gives each program its own hostname, as in a pod.
    const p = spawn('ip', ['netns', 'exec', ns, 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0"; exec "$@"', 'img-host', process.execPath, MAIN, image, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(p);
    return p;
  };
  const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));

  before(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });

  after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.exitCode === null && p.signalCode === null ? exited(p) : null)));
    spawnSync('ip', ['netns', 'del', ns]);
    assert.equal(existsSync(`/run/netns/${ns}`), false);
  });

  it('httpd serves the Apache default page on 80 and logs the client', async () => {
    const p = run('httpd:2.4');
    let out = '';
    p.stdout!.on('data', (c) => (out += c));
    assert.equal(await eventually(() => inNetns(ns, ['curl', '-s', 'http://127.0.0.1/any/path']).stdout, 10_000, 'httpd'), '<html><body><h1>It works!</h1></body></html>\n');
    await eventually(() => out.includes('"GET /any/path HTTP/1.1" 200 45'), 5000, 'access log');
    assert.match(out, /^127\.0\.0\.1 - - \[/m);
    p.kill('SIGTERM');
    assert.equal(await exited(p), 0);
  });

  it('nginx and bootcamp', async () => {
    run('nginx');
    run('gcr.io/google-samples/kubernetes-bootcamp:v1');
    assert.match(await eventually(() => inNetns(ns, ['curl', '-s', 'http://127.0.0.1:80/']).stdout, 10_000, 'nginx'), /<title>Welcome to nginx!<\/title>/);
    assert.equal(await eventually(() => inNetns(ns, ['curl', '-s', 'http://127.0.0.1:8080/']).stdout, 10_000, 'bootcamp'), 'Hello Kubernetes bootcamp! | Running on: img-host | v=1\n');
  });

  it('agnhost netexec answers HTTP and UDP', async () => {
    run('registry.k8s.io/e2e-test-images/agnhost:2.53', 'netexec', '--http-port=9080', '--udp-port=9081');
    assert.equal(await eventually(() => inNetns(ns, ['curl', '-s', 'http://127.0.0.1:9080/hostname']).stdout, 10_000, 'netexec'), 'img-host');
    assert.equal(inNetns(ns, ['curl', '-s', 'http://127.0.0.1:9080/echo?msg=hello%20there']).stdout, 'hello there');
    assert.match(inNetns(ns, ['curl', '-s', 'http://127.0.0.1:9080/clientip']).stdout, /^127\.0\.0\.1:\d+$/);
    assert.equal(inNetns(ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:9080/healthz']).stdout, '200');
    assert.deepEqual(JSON.parse(inNetns(ns, ['curl', '-s', 'http://127.0.0.1:9080/shell?cmd=echo%20hi']).stdout), { output: 'hi\n' });
    assert.equal(udp(ns, 9081, 'hostname'), 'img-host');
    assert.equal(udp(ns, 9081, 'echo ping'), 'ping');
    assert.match(udp(ns, 9081, 'clientip'), /^127\.0\.0\.1:\d+$/);
    const dial = JSON.parse(inNetns(ns, ['curl', '-s', 'http://127.0.0.1:9080/dial?request=hostname&host=127.0.0.1&port=9081&protocol=udp&tries=2']).stdout);
    assert.deepEqual(dial, { responses: ['img-host', 'img-host'] });
  });

  it('agnhost serve-hostname over HTTP and UDP; pause waits for SIGTERM', async () => {
    run('agnhost:2.53', 'serve-hostname', '--udp', '--port', '9376');
    assert.equal(await eventually(() => inNetns(ns, ['curl', '-s', 'http://127.0.0.1:9376/']).stdout, 10_000, 'serve-hostname'), 'img-host');
    assert.equal(udp(ns, 9376, 'x'), 'img-host');
    const pause = run('registry.k8s.io/pause:3.9');
    // Node catches SIGTERM from its start (SigCgt cannot tell when pause's own handler is in),
    // so give a loaded machine time to reach it.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(pause.exitCode, null);
    pause.kill('SIGTERM');
    assert.equal(await exited(pause), 0);
  });

  it('an unknown subcommand or image fails with a clear message', () => {
    const r = spawnSync(process.execPath, [MAIN, 'agnhost', 'nosuch'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /agnhost: Unknown subcommand "nosuch"/);
    const r2 = spawnSync(process.execPath, [MAIN, 'foo:1'], { encoding: 'utf8' });
    assert.match(r2.stderr, /no built-in program for it/);
  });
});

/**
 * One probe run against real sockets, as kubelet's prober (pkg/probe/http, tcp, exec): an HTTP
 * server in a netns of this test, probed from that netns. httpGet: 200-399 success, 500 failure,
 * same-host redirects followed (a redirect to a 500 fails), a redirect to another host or a 3xx
 * without Location ends as a success with a warning, 10 redirects fail, headers (kube-probe
 * User-Agent and Accept unless set, one User-Agent when the probe sets it, Host), timeoutSeconds;
 * tcpSocket open/refused; exec exit codes and timeout; grpc health checks over h2c.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Probe } from '../../../src/api/types.js';
import { runProbe } from '../../../src/agent/probe-exec.js';
import { uniqueName } from '../../helpers/agent-node.js';

const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const log = process.argv[1];
http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const to = (loc, code = 302) => { res.writeHead(code, loc ? { Location: loc } : {}); res.end(); };
  if (u.pathname === '/headers') fs.writeFileSync(log, JSON.stringify(req.rawHeaders));
  if (u.pathname === '/ok' || u.pathname === '/headers') return res.end('fine');
  if (u.pathname === '/fail') { res.writeHead(500); return res.end('bad'); }
  if (u.pathname === '/redir-fail') return to('/fail');
  if (u.pathname === '/redir-ok') return to('http://127.0.0.1:8080/ok', 301);
  if (u.pathname === '/redir-away') return to('http://127.0.0.2:8080/fail');
  if (u.pathname === '/no-location') return to(undefined, 301);
  const hop = u.pathname.match(/^\\/hop\\/(\\d+)\\/(\\d+)$/);
  if (hop) return Number(hop[1]) < Number(hop[2]) ? to('/hop/' + (Number(hop[1]) + 1) + '/' + hop[2]) : res.end('end');
  if (u.pathname === '/slow') return setTimeout(() => res.end('late'), 3000);
  res.writeHead(404); res.end();
}).listen(8080, () => grpc.listen(50051, () => console.log('listening')));
// A gRPC health server (grpc.health.v1.Health/Check over h2c): '' SERVING, 'bad' NOT_SERVING,
// 'unimpl' answers UNIMPLEMENTED, 'empty' an empty message (status UNKNOWN).
const grpc = require('node:http2').createServer();
grpc.on('stream', (st) => {
  let body = Buffer.alloc(0);
  st.on('data', (d) => (body = Buffer.concat([body, d])));
  st.on('end', () => {
    const svc = body.length > 7 ? body.subarray(7).toString() : '';
    if (svc === 'unimpl') return st.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
    st.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    st.on('wantTrailers', () => st.sendTrailers({ 'grpc-status': '0' }));
    st.end(svc === 'empty' ? Buffer.from([0, 0, 0, 0, 0]) : Buffer.from([0, 0, 0, 0, 2, 8, svc === 'bad' ? 2 : 1]));
  });
});
`;

describe('probes against real sockets', { timeout: 60_000 }, () => {
  const prefix = uniqueName('t');
  const ns = `${prefix}-probe`;
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const headerLog = join(dir, 'headers.json');
  let server: ChildProcess;
  const container: Container = { name: 'c' };
  const probe = (p: Probe) => runProbe({ timeoutSeconds: 1, ...p }, { podIP: '127.0.0.1', nodeNetns: ns, pid: server.pid!, container });
  const get = (path: string, extra: Partial<NonNullable<Probe['httpGet']>> = {}) => probe({ httpGet: { port: 8080, path, ...extra } });

  before(async () => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER, headerLog], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
  });

  after(() => {
    server?.kill('SIGKILL');
    execFileSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(readdirSync('/run/netns').filter((n) => n.startsWith(prefix)), []);
    assert.equal(existsSync(`/etc/netns/${ns}`), false);
  });

  it('httpGet: 2xx succeeds, 500 fails with the status code, a closed port fails as a refused dial', async () => {
    assert.deepEqual(await get('/ok'), { ok: true, output: '' });
    assert.deepEqual(await get('/fail'), { ok: false, output: 'HTTP probe failed with statuscode: 500' });
    assert.deepEqual(await probe({ httpGet: { port: 9, path: '/x' } }), { ok: false, output: 'Get "http://127.0.0.1:9/x": dial tcp 127.0.0.1:9: connect: connection refused' });
  });

  it('httpGet: follows same-host redirects (to the final status), not other hosts (a warning success)', async () => {
    assert.deepEqual(await get('/redir-fail'), { ok: false, output: 'HTTP probe failed with statuscode: 500' });
    assert.deepEqual(await get('/redir-ok'), { ok: true, output: '' });
    const away = await get('/redir-away');
    assert.equal(away.ok, true);
    assert.equal(away.warning, true);
    assert.match(away.output, /^Probe terminated redirects/);
    assert.equal((await get('/no-location')).warning, true);
  });

  it('httpGet: nine redirects are followed, the tenth fails the probe', async () => {
    assert.deepEqual(await get('/hop/0/9'), { ok: true, output: '' });
    assert.deepEqual(await get('/hop/0/10'), { ok: false, output: 'Get "http://127.0.0.1:8080/hop/10/10": stopped after 10 redirects' });
  });

  it('httpGet: kube-probe User-Agent and Accept by default; the probe\'s own headers replace them', async () => {
    await get('/headers');
    const pairs = (raw: string[]) => raw.flatMap((v, i) => (i % 2 === 0 ? [`${v.toLowerCase()}: ${raw[i + 1]}`] : []));
    const first = pairs(JSON.parse(readFileSync(headerLog, 'utf8')));
    assert.ok(first.includes('user-agent: kube-probe/1.32'), JSON.stringify(first));
    assert.ok(first.includes('accept: */*'), JSON.stringify(first));
    assert.ok(first.includes('host: 127.0.0.1:8080'), JSON.stringify(first));
    await get('/headers', { httpHeaders: [{ name: 'User-Agent', value: 'mine' }, { name: 'Host', value: 'web.example' }, { name: 'Accept', value: '' }, { name: 'X-Probe', value: 'a' }] });
    const second = pairs(JSON.parse(readFileSync(headerLog, 'utf8')));
    assert.deepEqual(second.filter((h) => h.startsWith('user-agent:')), ['user-agent: mine']);
    assert.ok(second.includes('host: web.example'), JSON.stringify(second));
    assert.ok(second.includes('x-probe: a'), JSON.stringify(second));
    assert.equal(second.some((h) => h.startsWith('accept:')), false, 'an empty Accept removes it');
  });

  it('httpGet: timeoutSeconds bounds the request', async () => {
    const t0 = Date.now();
    const r = await get('/slow');
    const ms = Date.now() - t0;
    assert.equal(r.ok, false);
    assert.match(r.output, /^Get "http:\/\/127\.0\.0\.1:8080\/slow": context deadline exceeded/);
    assert.ok(ms >= 900 && ms < 2500, `took ${ms} ms`);
    assert.equal((await probe({ timeoutSeconds: 5, httpGet: { port: 8080, path: '/slow' } })).ok, true);
  });

  it('tcpSocket: an open port succeeds, a closed one fails as Go reports the dial', async () => {
    assert.deepEqual(await probe({ tcpSocket: { port: 8080 } }), { ok: true, output: '' });
    assert.deepEqual(await probe({ tcpSocket: { port: 9 } }), { ok: false, output: 'dial tcp 127.0.0.1:9: connect: connection refused' });
  });

  it('grpc: SERVING succeeds; NOT_SERVING, UNKNOWN, UNIMPLEMENTED and a closed port fail with kubelet\'s messages', async () => {
    const grpc = (service?: string, port = 50051) => probe({ grpc: { port, ...(service !== undefined ? { service } : {}) } });
    assert.deepEqual(await grpc(), { ok: true, output: 'service is serving' });
    assert.deepEqual(await grpc('bad'), { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await grpc('empty'), { ok: false, output: 'service unhealthy (responded with "UNKNOWN")' });
    assert.deepEqual(await grpc('unimpl'), { ok: false, output: 'this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service' });
    assert.deepEqual(await grpc('', 9), { ok: false, output: 'timeout: failed to connect service "127.0.0.1:9" within 1s: connection refused' });
  });

  it('exec: exit 0 succeeds, another code fails with the output, a command past timeoutSeconds fails', async () => {
    assert.deepEqual(await probe({ exec: { command: ['true'] } }), { ok: true, output: '' });
    assert.deepEqual(await probe({ exec: { command: ['sh', '-c', 'echo nope; exit 3'] } }), { ok: false, output: 'nope' });
    const t0 = Date.now();
    assert.deepEqual(await probe({ exec: { command: ['sleep', '5'] } }), { ok: false, output: 'command "sleep 5" timed out' });
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });
});

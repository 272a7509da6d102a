/**
 * `kubectl get pods -A` (Table) and `kubectl get pods -A -o json` with N pods in the API
 * (default 10,000 over 50 namespaces), real kubectl over https with a token.
 *
 * Reference, measured in the same run: the same kubectl command against a replay server that
 * answers every request kubectl makes (discovery, each ?limit=500 page) with the bytes podnet
 * answered the first time, from memory. That is kubectl's own floor (TLS, decoding, printing):
 * the ratio podnet/replay is what the apiserver adds. Also shown: a raw GET of the whole list
 * by a trivial client (bytes read, nothing parsed).
 * Usage: node dist/bench/api-list.js [pods] [namespaces] [rounds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKEN, type Fixture, median, ms, startFixture } from './api-fixture.js';

const pods = Number(process.argv[2] ?? 10000);
const namespaces = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 3);
const KUBECTL = process.env.PODNET_KUBECTL ?? '/usr/bin/kubectl';

interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

/** Forwards to the apiserver once per (url, Accept), then answers from memory. */
async function startReplay(f: Fixture): Promise<{ url: string; close(): Promise<void> }> {
  const cache = new Map<string, Recorded>();
  const upstream = new URL(f.api.url);
  const server = https.createServer({ cert: f.tls.cert, key: f.tls.key }, async (req, res) => {
    const key = `${req.method} ${req.url} ${req.headers.accept ?? ''}`;
    let rec = cache.get(key);
    if (!rec) {
      const up = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = https.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, ca: f.tls.cert, headers: { ...req.headers, host: upstream.host } }, resolve);
        r.on('error', reject);
        req.pipe(r);
      });
      rec = { status: up.statusCode ?? 500, headers: { 'content-type': String(up.headers['content-type'] ?? 'application/json') }, body: await readAll(up) };
      cache.set(key, rec);
    }
    res.writeHead(rec.status, { ...rec.headers, 'content-length': rec.body.length });
    res.end(rec.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `https://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Runs kubectl; resolves with wall time and stdout size. */
function timeKubectl(kubeconfig: string, home: string, args: string[]): Promise<{ ms: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(KUBECTL, args, { env: { ...process.env, HOME: home, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0, lines = 0, err = '';
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      for (const b of c) if (b === 10) lines++;
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`bench: kubectl ${args.join(' ')} failed (${code}): ${err}`));
      else resolve({ ms: elapsed, bytes, lines });
    });
  });
}

/** A raw GET read to the end, nothing parsed. */
function timeRawGet(f: Fixture, path: string, accept: string): Promise<{ ms: number; bytes: number }> {
  const u = new URL(f.api.url);
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    https.get({ host: u.hostname, port: u.port, path, ca: f.tls.cert, headers: { Authorization: `Bearer ${TOKEN}`, Accept: accept } }, (res) => {
      readAll(res).then((b) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: b.length }), reject);
    }).on('error', reject);
  });
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function main(): Promise<void> {
  const t0 = Date.now();
  const f = await startFixture(pods, namespaces);
  console.log(`seeded ${pods} pods in ${namespaces} namespaces in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const replay = await startReplay(f);
  const home = mkdtempSync(join(tmpdir(), 'podnet-bench-kubectl-'));
  try {
    const direct = f.kubeconfig();
    const replayed = f.kubeconfig(replay.url);
    const cmds = { table: ['get', 'pods', '-A'], json: ['get', 'pods', '-A', '-o', 'json'] } as const;
    // Warm: discovery caches, and the replay server records podnet's answers.
    for (const args of Object.values(cmds)) {
      await timeKubectl(direct, home, [...args]);
      await timeKubectl(replayed, home, [...args]);
    }
    const t: Record<string, number[]> = {};
    const add = (k: string, v: number) => (t[k] ??= []).push(v);
    let lines = 0, jsonBytes = 0;
    for (let r = 0; r < rounds; r++) {
      for (const [name, args] of Object.entries(cmds)) {
        const d = await timeKubectl(direct, home, [...args]);
        add(`${name} podnet`, d.ms);
        add(`${name} replay`, (await timeKubectl(replayed, home, [...args])).ms);
        if (name === 'table') lines = d.lines;
        else jsonBytes = d.bytes;
      }
      add('raw json', (await timeRawGet(f, '/api/v1/pods', 'application/json')).ms);
      add('raw table', (await timeRawGet(f, '/api/v1/pods', TABLE)).ms);
    }
    const m = (k: string) => median(t[k]);
    console.log(`kubectl get pods -A, ${pods} pods (${lines - 1} rows), median of ${rounds}`);
    console.log(`  table: podnet ${ms(m('table podnet'))}, replay (reference) ${ms(m('table replay'))}, ratio ${(m('table podnet') / m('table replay')).toFixed(2)}`);
    console.log(`  -o json (${(jsonBytes / 1e6).toFixed(1)} MB): podnet ${ms(m('json podnet'))}, replay (reference) ${ms(m('json replay'))}, ratio ${(m('json podnet') / m('json replay')).toFixed(2)}`);
    console.log(`  raw GET of the whole list, unpaged: JSON ${ms(m('raw json'))}, Table ${ms(m('raw table'))}`);
    console.log(`  upstream SLO: a list <= 30000 ms; worst kubectl here ${ms(Math.max(...t['table podnet'], ...t['json podnet']))}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
    await replay.close();
    await f.close();
  }
}

await main();

/**
 * kube-proxy's health server process: runs inside the node's network namespace (`ip netns exec`,
 * because the agent lives in the host namespace and Node cannot setns). argv: host, port. It
 * reads the proxier's health state, one JSON ProxierHealthState per line on stdin, and answers
 * /healthz and /livez from the latest one with its own clock, so a wedged proxier still turns
 * 503 on time. Prints `ready` once listening; exits when stdin closes (the agent went away).
 */
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import type { ProxierHealthState } from './proxier-health.js';
import { healthzResponse, livezResponse, notFoundResponse } from './responses.js';

const [host = '0.0.0.0', port = '10256'] = process.argv.slice(2);
let state: ProxierHealthState = { healthTimeoutMs: 60_000, nodeEligible: true };

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const clock = { now: Date.now(), monotonicS: performance.now() / 1000 };
  const r = path === '/healthz' ? healthzResponse(state, clock) : path === '/livez' ? livezResponse(state, clock) : notFoundResponse();
  res.writeHead(r.status, r.headers);
  res.end(r.body);
});
server.on('error', (e) => {
  process.stderr.write(`${JSON.stringify({ error: e.message })}\n`);
  process.exit(1);
});
server.listen(Number(port), host, () => process.stdout.write('ready\n'));

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    state = JSON.parse(line) as ProxierHealthState;
  } catch (e) {
    process.stderr.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
  }
});
lines.on('close', () => process.exit(0));

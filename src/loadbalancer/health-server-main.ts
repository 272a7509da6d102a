/**
 * The health check listener process: run inside a node's network namespace (`ip netns exec`)
 * because the agent itself lives in the host namespace. It reads the desired state, one JSON
 * array of ServiceHealth per line on stdin, opens and closes listeners to match, and exits when
 * stdin closes (the agent went away). A line `{"proxy": ProxierHealthState}` carries the
 * proxier's health, judged with this process's clock on every answer (serviceProxyHealthy).
 * Bind failures are reported on stderr as JSON lines.
 */
import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { healthResponse, type ServiceHealth } from './health-response.js';
import { isHealthy, type ProxierHealthState } from '../proxy/healthz/proxier-health.js';

const servers = new Map<number, { server: Server; health: ServiceHealth }>();
/** Unknown until the proxy reports: healthy, as upstream's server before its first sync. */
let proxyState: ProxierHealthState | undefined;
const proxyHealthy = (): boolean => proxyState === undefined || isHealthy(proxyState, Date.now()).healthy;

function listen(h: ServiceHealth): void {
  const entry = { server: createServer((_req, res) => {
    const r = healthResponse(entry.health, proxyHealthy());
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  }), health: h };
  entry.server.on('error', (e) => {
    process.stderr.write(`${JSON.stringify({ port: h.port, error: e.message })}\n`);
    servers.delete(h.port);
  });
  // kube-proxy listens on every node address (nodePortAddresses unset).
  entry.server.listen(h.port, '0.0.0.0');
  servers.set(h.port, entry);
}

function apply(wanted: ServiceHealth[]): void {
  const byPort = new Map(wanted.map((h) => [h.port, h]));
  for (const [port, e] of servers) {
    if (!byPort.has(port)) {
      e.server.close();
      servers.delete(port);
    }
  }
  for (const h of byPort.values()) {
    const e = servers.get(h.port);
    if (e) e.health = h;
    else listen(h);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    const msg = JSON.parse(line) as ServiceHealth[] | { proxy: ProxierHealthState };
    if (Array.isArray(msg)) apply(msg);
    else proxyState = msg.proxy;
  } catch (e) {
    process.stderr.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
  }
});
lines.on('close', () => process.exit(0));
process.stdout.write('ready\n');

/**
 * CoreDNS's `health` (GET /health -> 200 "OK" while the process serves) and `ready`
 * (GET /ready -> 200 "OK" once the kubernetes plugin has synced, 503 before) endpoints, which
 * the cluster DNS Deployment's liveness and readiness probes call.
 */
import http from 'node:http';

export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `path` on host:port, answering 200 OK when `ok()` and 503 otherwise. */
export function serveProbe(host: string, port: number, path: string, ok: () => boolean): Promise<ProbeServer> {
  return serveText(host, port, path, () => (ok() ? { status: 200, body: 'OK' } : { status: 503, body: 'Not ready: kubernetes' }));
}

/** Serves one plain-text `path` (404 elsewhere), e.g. the prometheus plugin's /metrics. */
export async function serveText(host: string, port: number, path: string, body: () => { status: number; body: string }): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (url !== path) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const out = body();
    res.writeHead(out.status, { 'Content-Type': 'text/plain; version=0.0.4' }).end(out.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

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
export async function serveProbe(host: string, port: number, path: string, ok: () => boolean): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (url !== path) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const good = ok();
    res.writeHead(good ? 200 : 503, { 'Content-Type': 'text/plain' }).end(good ? 'OK' : 'Not ready: kubernetes');
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

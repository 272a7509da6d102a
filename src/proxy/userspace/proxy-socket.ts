/**
 * The TCP proxy socket of the userspace mode (upstream pkg/proxy/userspace/proxysocket.go): each
 * service port gets a listener on a random port; a TCP connection is forwarded to an endpoint
 * the load balancer picks, trying the next one when a connect fails; with no endpoint (or none
 * reachable) the accepted connection is closed at once. UDP: udp-proxy-socket.ts.
 */
import type dgram from 'node:dgram';
import net from 'node:net';
import type { LoadBalancerRR } from './load-balancer.js';

/** Connect timeouts of successive attempts (upstream EndpointDialTimeouts). */
export const ENDPOINT_DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000] as const;

export interface ProxySocket {
  readonly port: number;
  close(): void;
  /** The service port's endpoints changed (UDP drops the clients bound to removed ones). */
  endpointsChanged?(endpoints: ReadonlySet<string>): void;
}

const clientIP = (addr: string | undefined): string => (addr ?? '').replace(/^::ffff:/, '');

export function splitHostPort(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

function dial(endpoint: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ ...splitHostPort(endpoint), allowHalfOpen: true });
    const t = setTimeout(() => s.destroy(new Error(`connect ${endpoint}: timed out after ${timeoutMs} ms`)), timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    // `on`, not `once`: it stays as a guard until splice() adds its handlers.
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/**
 * Connects to an endpoint of `key` for `client`: the first attempt honours session affinity,
 * later ones (after a failure) reset it so another endpoint is tried (TryConnectEndpoints).
 */
export async function tryConnectEndpoints(lb: LoadBalancerRR, key: string, client: string): Promise<net.Socket> {
  let last: unknown;
  for (const [i, timeoutMs] of ENDPOINT_DIAL_TIMEOUTS_MS.entries()) {
    const endpoint = lb.nextEndpoint(key, client, i > 0);
    try {
      return await dial(endpoint, timeoutMs);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`userspace proxy: Cannot connect to any endpoint of "${key}": ${String(last)}`);
}

function splice(a: net.Socket, b: net.Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', () => b.end());
  b.on('error', end).on('close', () => a.end());
  a.pipe(b);
  b.pipe(a);
}

/** Resolves with the bound port once `server` listens; rejects on a bind error (closing it). */
export function listening(server: net.Server | dgram.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => {
      try {
        server.close();
      } catch {
        // already closed by the failed bind
      }
      reject(e);
    });
    server.once('listening', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

/** Opens a TCP proxy socket for `key` on `port` (0: a random one) of every address. */
export async function openTcpProxySocket(lb: LoadBalancerRR, key: string, port = 0): Promise<ProxySocket> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (inConn) => {
    inConn.on('error', () => inConn.destroy());
    tryConnectEndpoints(lb, key, clientIP(inConn.remoteAddress)).then(
      (outConn) => {
        splice(inConn, outConn);
        inConn.resume();
      },
      // No endpoint reachable: the client sees its connection closed, as upstream.
      () => inConn.destroy(),
    );
  });
  server.listen(port, '0.0.0.0');
  return { port: await listening(server), close: () => server.close() };
}

/**
 * The proxy sockets of the userspace mode (upstream pkg/proxy/userspace/proxysocket.go): each
 * service port gets a listener on a random port; a TCP connection is forwarded to an endpoint
 * the load balancer picks, trying the next one when a connect fails; UDP keeps one backend
 * socket per client address, closed after an idle timeout.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { LoadBalancerRR } from './load-balancer.js';

/** Connect timeouts of successive attempts (upstream EndpointDialTimeouts). */
export const ENDPOINT_DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000] as const;
/** Upstream's --udp-timeout default. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;

export interface ProxySocket {
  readonly port: number;
  close(): void;
}

const clientIP = (addr: string | undefined): string => (addr ?? '').replace(/^::ffff:/, '');

function splitHostPort(endpoint: string): { host: string; port: number } {
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

function listening(server: net.Server | dgram.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

export async function openTcpProxySocket(lb: LoadBalancerRR, key: string): Promise<ProxySocket> {
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
  server.listen(0, '0.0.0.0');
  const port = await listening(server);
  return { port, close: () => server.close() };
}

interface UdpClient {
  backend: dgram.Socket;
  timer: NodeJS.Timeout;
  target: { host: string; port: number };
}

/** UDP "connections": one backend socket per client `ip:port`, dropped after idleTimeoutMs. */
class UdpProxySocket {
  private readonly clients = new Map<string, UdpClient>();

  constructor(
    private readonly sock: dgram.Socket,
    private readonly lb: LoadBalancerRR,
    private readonly key: string,
    private readonly idleTimeoutMs: number,
  ) {
    sock.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
  }

  private fromClient(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let c: UdpClient;
    try {
      c = this.clientFor(rinfo);
    } catch {
      return; // no endpoints: the datagram is dropped
    }
    this.touch(`${rinfo.address}:${rinfo.port}`, c);
    // Unconnected: replies are matched to the chosen endpoint by their source address.
    c.backend.send(msg, c.target.port, c.target.host);
  }

  private clientFor(rinfo: dgram.RemoteInfo): UdpClient {
    const id = `${rinfo.address}:${rinfo.port}`;
    const existing = this.clients.get(id);
    if (existing) return existing;
    const target = splitHostPort(this.lb.nextEndpoint(this.key, rinfo.address));
    const backend = dgram.createSocket('udp4');
    const c: UdpClient = { backend, target, timer: setTimeout(() => this.drop(id), this.idleTimeoutMs) };
    backend.on('error', () => this.drop(id));
    backend.on('message', (reply, from) => {
      if (from.address !== target.host || from.port !== target.port) return;
      this.touch(id, c);
      this.sock.send(reply, rinfo.port, rinfo.address);
    });
    this.clients.set(id, c);
    return c;
  }

  private touch(id: string, c: UdpClient): void {
    clearTimeout(c.timer);
    c.timer = setTimeout(() => this.drop(id), this.idleTimeoutMs);
  }

  private drop(id: string): void {
    const c = this.clients.get(id);
    if (!c) return;
    clearTimeout(c.timer);
    c.backend.close();
    this.clients.delete(id);
  }

  close(): void {
    for (const id of [...this.clients.keys()]) this.drop(id);
    this.sock.close();
  }
}

export async function openUdpProxySocket(lb: LoadBalancerRR, key: string, idleTimeoutMs = DEFAULT_UDP_IDLE_TIMEOUT_MS): Promise<ProxySocket> {
  const sock = dgram.createSocket('udp4');
  const proxy = new UdpProxySocket(sock, lb, key, idleTimeoutMs);
  sock.bind(0, '0.0.0.0');
  const port = await listening(sock);
  return { port, close: () => proxy.close() };
}

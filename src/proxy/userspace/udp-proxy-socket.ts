/**
 * The UDP proxy socket of the userspace mode (upstream proxysocket.go udpProxySocket): UDP has no
 * connections, so the proxy keeps one backend socket per client `ip:port` (a "connection"),
 * connected to the endpoint the load balancer picked, until it is idle for `idleTimeoutMs`.
 * Being connected, the backend socket learns of an ICMP port unreachable (ECONNREFUSED) and the
 * client is forgotten, so its next datagram picks an endpoint again (upstream's proxyClient ended
 * on the read error the same way). A sync that removes an endpoint drops the clients bound to it
 * (the userspace analogue of kube-proxy clearing stale UDP conntrack entries): their next
 * datagram goes to a live endpoint instead of a pod that left.
 */
import dgram from 'node:dgram';
import type { LoadBalancerRR } from './load-balancer.js';
import { listening, splitHostPort, type ProxySocket } from './proxy-socket.js';

/** Upstream's --udp-timeout default. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;

interface UdpClient {
  endpoint: string;
  backend: dgram.Socket;
  timer: NodeJS.Timeout;
  /** Datagrams that arrived before connect() finished. */
  queued: Buffer[] | undefined;
}

class UdpProxySocket {
  private readonly clients = new Map<string, UdpClient>();

  constructor(
    private readonly sock: dgram.Socket,
    private readonly lb: LoadBalancerRR,
    private readonly key: string,
    private readonly idleTimeoutMs: number,
  ) {
    sock.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
    sock.on('error', () => undefined); // a send to a vanished client; nothing to do
  }

  private fromClient(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const id = `${rinfo.address}:${rinfo.port}`;
    let c = this.clients.get(id);
    if (!c) {
      try {
        c = this.connect(id, rinfo);
      } catch {
        return; // no endpoints: the datagram is dropped, as upstream
      }
    }
    this.touch(id, c);
    if (c.queued) c.queued.push(msg);
    else c.backend.send(msg);
  }

  private connect(id: string, rinfo: dgram.RemoteInfo): UdpClient {
    const endpoint = this.lb.nextEndpoint(this.key, rinfo.address);
    const target = splitHostPort(endpoint);
    const backend = dgram.createSocket('udp4');
    const c: UdpClient = { endpoint, backend, queued: [], timer: setTimeout(() => this.drop(id), this.idleTimeoutMs) };
    backend.on('error', () => this.drop(id, c));
    backend.on('message', (reply) => {
      this.touch(id, c);
      this.sock.send(reply, rinfo.port, rinfo.address);
    });
    backend.connect(target.port, target.host, () => {
      const queued = c.queued ?? [];
      c.queued = undefined;
      for (const m of queued) backend.send(m);
    });
    this.clients.set(id, c);
    return c;
  }

  private touch(id: string, c: UdpClient): void {
    clearTimeout(c.timer);
    c.timer = setTimeout(() => this.drop(id, c), this.idleTimeoutMs);
  }

  /** Forgets client `id` (only if it is still `expected`, when given: a late event of an old one). */
  private drop(id: string, expected?: UdpClient): void {
    const c = this.clients.get(id);
    if (!c || (expected && c !== expected)) return;
    clearTimeout(c.timer);
    c.backend.close();
    this.clients.delete(id);
  }

  /** Drops the clients whose endpoint is not in `endpoints`. */
  retainEndpoints(endpoints: ReadonlySet<string>): void {
    for (const [id, c] of [...this.clients]) if (!endpoints.has(c.endpoint)) this.drop(id, c);
  }

  /** The endpoint of every active client (`ip:port` → endpoint), for tests. */
  activeClients(): Map<string, string> {
    return new Map([...this.clients].map(([id, c]) => [id, c.endpoint]));
  }

  close(): void {
    for (const id of [...this.clients.keys()]) this.drop(id);
    this.sock.close();
  }
}

export interface UdpProxySocketHandle extends ProxySocket {
  activeClients(): Map<string, string>;
}

/** Opens a UDP proxy socket for `key` on `port` (0: a random one) of every address. */
export async function openUdpProxySocket(
  lb: LoadBalancerRR, key: string, idleTimeoutMs = DEFAULT_UDP_IDLE_TIMEOUT_MS, port = 0,
): Promise<UdpProxySocketHandle> {
  const sock = dgram.createSocket('udp4');
  const proxy = new UdpProxySocket(sock, lb, key, idleTimeoutMs);
  sock.bind(port, '0.0.0.0');
  const bound = await listening(sock);
  return {
    port: bound,
    close: () => proxy.close(),
    endpointsChanged: (eps) => proxy.retainEndpoints(eps),
    activeClients: () => proxy.activeClients(),
  };
}

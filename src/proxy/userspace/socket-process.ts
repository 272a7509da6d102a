/**
 * The socket process of the userspace mode: runs in the node's netns (`ip netns exec`), keeps
 * one proxy socket per service port and the round-robin balancer, and answers each sync request
 * with the proxy ports. It exits when its parent goes away (the IPC channel closes), so a dead
 * agent leaves no listener behind.
 */
import { LoadBalancerRR } from './load-balancer.js';
import type { ChildMessage, ServicePortSpec, SyncRequest, SyncResult } from './protocol.js';
import { openTcpProxySocket, type ProxySocket } from './proxy-socket.js';
import { openUdpProxySocket } from './udp-proxy-socket.js';

interface Served {
  socket: ProxySocket;
  /** The socket holding the node port (it serves like the proxy socket), if any. */
  nodePort?: { port: number; socket: ProxySocket };
}

export class SocketProcess {
  private readonly lb = new LoadBalancerRR();
  private readonly served = new Map<string, Served>();

  constructor(private readonly udpIdleTimeoutMs: number) {}

  private open(spec: ServicePortSpec, port: number): Promise<ProxySocket> {
    return spec.protocol === 'udp'
      ? openUdpProxySocket(this.lb, spec.key, this.udpIdleTimeoutMs, port)
      : openTcpProxySocket(this.lb, spec.key, port);
  }

  /**
   * Opens sockets for new service ports, closes those gone, updates every balancer (UDP clients
   * of removed endpoints are dropped), and holds each node port.
   */
  async sync(specs: readonly ServicePortSpec[]): Promise<SyncResult> {
    const wanted = new Set(specs.map((s) => s.key));
    for (const [key, s] of this.served) {
      if (wanted.has(key)) continue;
      s.socket.close();
      s.nodePort?.socket.close();
      this.served.delete(key);
    }
    this.lb.retain(wanted);
    const result: SyncResult = { proxyPorts: {}, socketErrors: {}, nodePortErrors: {} };
    for (const spec of specs) await this.serve(spec, result);
    this.lb.cleanupStaleStickySessions();
    return result;
  }

  /** Serves one service port, recording its proxy port or why it could not be served into `result`. */
  private async serve(spec: ServicePortSpec, result: SyncResult): Promise<void> {
    this.lb.update(spec.key, spec.endpoints, spec.stickyMaxAgeSeconds);
    let s = this.served.get(spec.key);
    if (!s) {
      // One service port that cannot get a socket (upstream: "Failed to start proxy") spoils no other.
      const socket = await this.open(spec, 0).catch((e: Error) => {
        result.socketErrors[spec.key] = `Cannot open a proxy socket: ${e.message}`;
      });
      if (!socket) return;
      s = { socket };
      this.served.set(spec.key, s);
    }
    const error = await this.holdNodePort(spec, s);
    if (error) result.nodePortErrors[spec.key] = error;
    const endpoints = new Set(spec.endpoints);
    s.socket.endpointsChanged?.(endpoints);
    s.nodePort?.socket.endpointsChanged?.(endpoints);
    result.proxyPorts[spec.key] = s.socket.port;
  }

  /** Opens (or moves, or closes) the node port socket of `spec`; returns why it failed, if it did. */
  private async holdNodePort(spec: ServicePortSpec, s: Served): Promise<string | undefined> {
    const want = spec.nodePort ?? 0;
    if (s.nodePort && s.nodePort.port !== want) {
      s.nodePort.socket.close();
      s.nodePort = undefined;
    }
    if (want === 0 || s.nodePort) return undefined;
    try {
      s.nodePort = { port: want, socket: await this.open(spec, want) };
      return undefined;
    } catch (e) {
      return `Cannot open node port ${want}/${spec.protocol}: ${(e as Error).message}`;
    }
  }

  close(): void {
    for (const s of this.served.values()) {
      s.socket.close();
      s.nodePort?.socket.close();
    }
    this.served.clear();
  }
}

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

/** The process body (main.ts): `node main.js <udpIdleTimeoutMs>` with an IPC channel. */
export function runSocketProcess(): void {
  if (!process.send) {
    console.error('userspace proxy: socket process: Cannot start: no IPC channel to the proxier');
    process.exit(2);
  }
  const proc = new SocketProcess(Number(process.argv[2] ?? 250));
  let queue = Promise.resolve();
  process.on('message', (m: SyncRequest) => {
    if (m?.type !== 'sync') return;
    queue = queue.then(() => proc.sync(m.servicePorts).then(
      (r) => send({ type: 'synced', id: m.id, ...r }),
      (e: unknown) => send({ type: 'error', id: m.id, message: String(e) }),
    ));
  });
  process.on('disconnect', () => {
    proc.close();
    process.exit(0);
  });
  send({ type: 'ready' });
}

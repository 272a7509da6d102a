/**
 * The socket process of the userspace mode: runs in the node's netns (`ip netns exec`), keeps
 * one proxy socket per service port and the round-robin balancer, and answers each sync request
 * with the proxy ports. It exits when its parent goes away (the IPC channel closes), so a dead
 * agent leaves no listener behind.
 */
import { LoadBalancerRR } from './load-balancer.js';
import type { ChildMessage, ServicePortSpec, SyncRequest } from './protocol.js';
import { openTcpProxySocket, openUdpProxySocket, type ProxySocket } from './proxy-socket.js';

interface Served {
  protocol: ServicePortSpec['protocol'];
  socket: ProxySocket;
}

export class SocketProcess {
  private readonly lb = new LoadBalancerRR();
  private readonly served = new Map<string, Served>();

  constructor(private readonly udpIdleTimeoutMs: number) {}

  /** Opens sockets for new service ports, closes those gone, updates every balancer. */
  async sync(specs: readonly ServicePortSpec[]): Promise<Record<string, number>> {
    const wanted = new Set(specs.map((s) => s.key));
    for (const [key, s] of this.served) {
      if (!wanted.has(key)) {
        s.socket.close();
        this.served.delete(key);
      }
    }
    this.lb.retain(wanted);
    const ports: Record<string, number> = {};
    for (const spec of specs) {
      this.lb.update(spec.key, spec.endpoints, spec.stickyMaxAgeSeconds);
      let s = this.served.get(spec.key);
      if (!s) {
        const socket = spec.protocol === 'udp'
          ? await openUdpProxySocket(this.lb, spec.key, this.udpIdleTimeoutMs)
          : await openTcpProxySocket(this.lb, spec.key);
        s = { protocol: spec.protocol, socket };
        this.served.set(spec.key, s);
      }
      ports[spec.key] = s.socket.port;
    }
    this.lb.cleanupStaleStickySessions();
    return ports;
  }

  close(): void {
    for (const s of this.served.values()) s.socket.close();
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
      (proxyPorts) => send({ type: 'synced', id: m.id, proxyPorts }),
      (e: unknown) => send({ type: 'error', id: m.id, message: String(e) }),
    ));
  });
  process.on('disconnect', () => {
    proc.close();
    process.exit(0);
  });
  send({ type: 'ready' });
}

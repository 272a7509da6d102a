/**
 * What upstream's Service REST storage allocates around writes: the ClusterIP (service-ips.ts)
 * and, for NodePort and LoadBalancer Services, a node port per service port. Create allocates,
 * update keeps what the client left out and allocates or releases on type and port changes,
 * delete releases; start rebuilds from the stored Services.
 */
import type { Service, ServicePort } from '../api/types.js';
import type { FieldError } from '../api/validation/field-errors.js';
import type { ClusterIPAllocator } from './cluster-ip-allocator.js';
import type { NodePortAllocator } from './node-port-allocator.js';
import { allocateServiceIPs, releaseServiceIPs, updateServiceIPs } from './service-ips.js';

export interface UpdateHooks {
  /** Undo allocations made for an update that was not stored. */
  rollback(): void;
  /** Release what the stored update no longer uses. */
  commit(): void;
}

const needsNodePorts = (svc: Service): boolean => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
const portKey = (p: ServicePort): string => `${p.port}/${p.protocol ?? 'TCP'}`;
/** Upstream's needsHCNodePort: a LoadBalancer with externalTrafficPolicy Local gets a health check port. */
const needsHealthCheckPort = (svc: Service): boolean => svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
const HEALTH_CHECK_KEY = 'healthCheckNodePort';

export class ServiceAllocations {
  constructor(
    readonly clusterIPs: ClusterIPAllocator,
    readonly nodePorts: NodePortAllocator,
  ) {}

  restore(svc: Service): void {
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== 'None') this.clusterIPs.restore(ip);
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.nodePorts.restore(p.nodePort);
    if (svc.spec?.healthCheckNodePort) this.nodePorts.restore(svc.spec.healthCheckNodePort);
  }

  /** Allocates for a new Service; returns the release function, or field errors. */
  onCreate(svc: Service): { release: () => void } | { errors: FieldError[] } {
    const ips = allocateServiceIPs(this.clusterIPs, svc);
    if ('errors' in ips) return ips;
    const ports = this.allocatePorts(svc, new Map());
    if ('errors' in ports) {
      ips.release();
      return ports;
    }
    return { release: () => (ips.release(), ports.release()) };
  }

  onUpdate(next: Service, prev: Service): UpdateHooks | { errors: FieldError[] } {
    const ips = updateServiceIPs(this.clusterIPs, next, prev);
    if ('errors' in ips) return ips;
    const held = new Map((prev.spec?.ports ?? []).filter((p) => p.nodePort).map((p) => [portKey(p), p.nodePort!]));
    if (!needsNodePorts(next)) for (const p of next.spec?.ports ?? []) delete p.nodePort; // ClusterIP services have none
    if (prev.spec?.healthCheckNodePort) held.set(HEALTH_CHECK_KEY, prev.spec.healthCheckNodePort);
    if (next.spec && !needsHealthCheckPort(next)) delete next.spec.healthCheckNodePort;
    const ports = this.allocatePorts(next, held);
    if ('errors' in ports) {
      ips.rollback();
      return ports;
    }
    const kept = new Set([...(next.spec?.ports ?? []).map((p) => p.nodePort), next.spec?.healthCheckNodePort]);
    return {
      rollback: () => (ips.rollback(), ports.release()),
      commit: () => {
        ips.commit();
        for (const port of held.values()) if (!kept.has(port)) this.nodePorts.release(port);
      },
    };
  }

  onDelete(svc: Service): void {
    releaseServiceIPs(this.clusterIPs, svc);
    for (const p of svc.spec?.ports ?? []) this.nodePorts.release(p.nodePort);
    this.nodePorts.release(svc.spec?.healthCheckNodePort);
  }

  /**
   * Gives each port of a NodePort/LoadBalancer Service a node port: the requested one, the one it
   * held before (`held`, by port/protocol), or a new one. Returns what to release on failure.
   */
  private allocatePorts(svc: Service, held: Map<string, number>): { release: () => void } | { errors: FieldError[] } {
    const fresh: number[] = [];
    const release = (): void => fresh.forEach((p) => this.nodePorts.release(p));
    if (!needsNodePorts(svc)) return { release };
    const heldPorts = new Set(held.values());
    const ports = svc.spec?.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (!p.nodePort) p.nodePort = held.get(portKey(p));
      if (p.nodePort && heldPorts.has(p.nodePort)) continue; // still ours
      const res = this.nodePorts.allocate(`spec.ports[${i}].nodePort`, p.nodePort || undefined);
      if ('error' in res) {
        release();
        return { errors: [res.error] };
      }
      p.nodePort = res.port;
      fresh.push(res.port);
    }
    return this.allocateHealthCheckPort(svc, held, fresh, release);
  }

  /** spec.healthCheckNodePort: the requested one, the one held before, or a new one. */
  private allocateHealthCheckPort(svc: Service, held: Map<string, number>, fresh: number[], release: () => void): { release: () => void } | { errors: FieldError[] } {
    const spec = svc.spec;
    if (!spec || !needsHealthCheckPort(svc)) return { release };
    const before = held.get(HEALTH_CHECK_KEY);
    if (!spec.healthCheckNodePort) spec.healthCheckNodePort = before;
    if (spec.healthCheckNodePort && spec.healthCheckNodePort === before) return { release };
    const res = this.nodePorts.allocate('spec.healthCheckNodePort', spec.healthCheckNodePort || undefined);
    if ('error' in res) {
      release();
      return { errors: [res.error] };
    }
    spec.healthCheckNodePort = res.port;
    fresh.push(res.port);
    return { release };
  }
}

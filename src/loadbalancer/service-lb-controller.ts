/**
 * The load-balancer controller (MetalLB's controller, k3s's ServiceLB): every Service of type
 * LoadBalancer without a loadBalancerClass (or with ours) gets an address from the pool in
 * status.loadBalancer.ingress as `{ip, ipMode: VIP}` (kube-proxy then routes it itself); the
 * address comes back when the Service is deleted or stops being a LoadBalancer.
 */
import type { KubeObject, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { BaseController, type ControllerOptions } from '../controllers/base-controller.js';
import { DEFAULT_LB_POOL, IPPool } from './pool.js';

/** The spec.loadBalancerClass this controller answers to, besides none. */
export const LOAD_BALANCER_CLASS = 'podnet.io/service-lb';

type Svc = Service & KubeObject;
const SERVICE_REF = { kind: 'Service', apiVersion: 'v1' };
const keyOf = (s: Svc) => `${s.metadata?.namespace}/${s.metadata?.name}`;
const ingressIPs = (s: Svc): string[] => (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);

/** Whether another implementation owns this Service's load balancer. */
const otherClass = (s: Svc): boolean => s.spec?.loadBalancerClass !== undefined && s.spec.loadBalancerClass !== LOAD_BALANCER_CLASS;
const wantsAddress = (s: Svc): boolean => s.spec?.type === 'LoadBalancer' && !otherClass(s) && !s.metadata?.deletionTimestamp;

export interface ServiceLBOptions extends ControllerOptions {
  /** Address pool (default DEFAULT_LB_POOL). */
  pool?: string;
}

export class ServiceLBController extends BaseController {
  private readonly pool: IPPool;

  constructor(client: Client, opts: ServiceLBOptions = {}) {
    super(client, 'service-lb-controller', ['services'], opts);
    this.pool = new IPPool(opts.pool ?? DEFAULT_LB_POOL, 'lbPool');
  }

  protected override relevantUpdate(_plural: string, o: KubeObject, n: KubeObject): boolean {
    const a = o as Svc;
    const b = n as Svc;
    return JSON.stringify([a.spec, a.status]) !== JSON.stringify([b.spec, b.status]);
  }

  protected async sync(): Promise<void> {
    const services = this.informers.get<Svc>('services').list();
    const owner = this.currentOwners(services);
    const work: Array<{ svc: Svc; ips: string[] }> = [];
    for (const svc of services.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))) {
      if (otherClass(svc)) continue;
      const ips = wantsAddress(svc) ? this.chooseAddress(svc, owner) : [];
      if (ips.join() !== ingressIPs(svc).join()) work.push({ svc, ips });
    }
    await this.forEach(work, ({ svc, ips }) => this.writeStatus(svc, ips));
  }

  /** Pool addresses already in a wanting Service's status: its own (first claim wins). */
  private currentOwners(services: Svc[]): Map<string, string> {
    const owner = new Map<string, string>();
    for (const svc of services) {
      if (!wantsAddress(svc)) continue;
      const requested = svc.spec?.loadBalancerIP;
      for (const ip of ingressIPs(svc)) {
        if (this.pool.contains(ip) && !owner.has(ip) && (!requested || requested === ip)) owner.set(ip, keyOf(svc));
      }
    }
    return owner;
  }

  /** The address this Service should have (recorded in `owner`), or none when it cannot have one. */
  private chooseAddress(svc: Svc, owner: Map<string, string>): string[] {
    const key = keyOf(svc);
    const requested = svc.spec?.loadBalancerIP;
    const held = ingressIPs(svc).find((ip) => owner.get(ip) === key);
    let ip = requested ?? held;
    if (requested && (!this.pool.contains(requested) || (owner.get(requested) ?? key) !== key)) {
      this.warn(svc, `spec.loadBalancerIP ${requested} is ${this.pool.contains(requested) ? 'in use by another Service' : `not in the pool ${this.pool.spec}`}`);
      return [];
    }
    ip ??= this.pool.firstFree(new Set(owner.keys()));
    if (!ip) {
      this.warn(svc, `no free address left in the pool ${this.pool.spec}`);
      return [];
    }
    owner.set(ip, key);
    return [ip];
  }

  private warn(svc: Svc, message: string): void {
    this.recorder.event(svc, SERVICE_REF, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${keyOf(svc)}": ${message}`);
  }

  private async writeStatus(svc: Svc, ips: string[]): Promise<void> {
    const ingress = ips.map((ip) => ({ ip, ipMode: 'VIP' as const }));
    const status = { ...svc.status, loadBalancer: ingress.length > 0 ? { ingress } : {} };
    await this.client.updateStatus('services', { ...svc, status });
    if (ips.length > 0) this.recorder.event(svc, SERVICE_REF, 'Normal', 'IPAllocated', `Assigned IP ["${ips.join('", "')}"]`);
  }
}

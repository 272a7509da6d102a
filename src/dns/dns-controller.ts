/**
 * The DnsLookup over the API, as CoreDNS's dnsControl: informers on Services, EndpointSlices and
 * Namespaces that keep only slim records, indexed by service name and IP.
 */
import type { EndpointSlice, KubeObject, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { ipKey } from './query-name.js';
import { type DnsEndpoint, type DnsLookup, type DnsService, toDnsEndpoints, toDnsService } from './records.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** An informer object that carries a slim record in place of its fields. */
interface Slim<T> extends KubeObject {
  record: T;
}

const meta = (o: KubeObject) => ({
  name: o.metadata?.name,
  namespace: o.metadata?.namespace,
  resourceVersion: o.metadata?.resourceVersion,
  labels: o.metadata?.labels,
});

export class DnsController implements DnsLookup {
  private readonly services: Informer<Slim<DnsService>>;
  private readonly slices: Informer<Slim<DnsEndpoint[]>>;
  private readonly namespaces: Informer<KubeObject>;
  private modified = Math.floor(Date.now() / 1000);
  /** `ns/service` -> slice cache keys, so a headless lookup does not scan every slice. */
  private readonly slicesByService = new Map<string, Set<string>>();

  constructor(client: Client) {
    this.services = new Informer<Slim<DnsService>>(client, 'services', {
      transform: (s) => ({ metadata: meta(s), record: toDnsService(s as unknown as Service) }),
    });
    this.slices = new Informer<Slim<DnsEndpoint[]>>(client, 'endpointslices', {
      transform: (s) => ({ metadata: meta(s), record: toDnsEndpoints(s as unknown as EndpointSlice) }),
    });
    this.namespaces = new Informer<KubeObject>(client, 'namespaces', { transform: (n) => ({ metadata: meta(n) }) });
    const touch = { add: () => this.touch(), update: () => this.touch(), delete: () => this.touch() };
    for (const inf of [this.services, this.slices, this.namespaces] as Informer<KubeObject>[]) inf.on(touch);
    this.slices.on({
      add: (s) => this.index(s, true),
      update: (o, s) => {
        this.index(o, false);
        this.index(s, true);
      },
      delete: (s) => this.index(s, false),
    });
  }

  private index(slice: Slim<DnsEndpoint[]>, add: boolean): void {
    const m = slice.metadata ?? {};
    const svc = m.labels?.[SERVICE_NAME_LABEL];
    if (!svc) return;
    const key = `${m.namespace}/${svc}`;
    const set = this.slicesByService.get(key) ?? new Set<string>();
    if (add) set.add(`${m.namespace}/${m.name}`);
    else set.delete(`${m.namespace}/${m.name}`);
    if (set.size) this.slicesByService.set(key, set);
    else this.slicesByService.delete(key);
  }

  /** Starts the informers; resolves when all three have listed (hasSynced). */
  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.slices.start(), this.namespaces.start()]);
  }

  stop(): void {
    this.services.stop();
    this.slices.stop();
    this.namespaces.stop();
  }

  hasSynced(): boolean {
    return this.services.hasSynced() && this.slices.hasSynced() && this.namespaces.hasSynced();
  }

  serviceByName(namespace: string, name: string): DnsService | undefined {
    // Informer keys keep the object's case; DNS names are lower case, as are valid k8s names.
    return this.services.get(`${namespace}/${name}`)?.record;
  }

  endpointsOf(namespace: string, service: string): DnsEndpoint[] {
    const keys = this.slicesByService.get(`${namespace}/${service}`) ?? [];
    return [...keys].flatMap((k) => this.slices.get(k)?.record ?? []);
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.get(namespace) !== undefined;
  }

  servicesByIP(ip: string): DnsService[] {
    const k = ipKey(ip);
    return this.services.list().map((s) => s.record).filter((s) => s.clusterIPs.some((c) => ipKey(c) === k));
  }

  endpointsByIP(ip: string): { service: DnsService; endpoint: DnsEndpoint; address: string }[] {
    const out: { service: DnsService; endpoint: DnsEndpoint; address: string }[] = [];
    for (const s of this.slices.list()) {
      const svc = this.serviceByName(s.metadata?.namespace ?? '', s.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '');
      if (!svc) continue;
      for (const ep of s.record) if (ep.ready && ep.addresses.some((a) => ipKey(a) === ipKey(ip))) out.push({ service: svc, endpoint: ep, address: ep.addresses.find((a) => ipKey(a) === ipKey(ip)) ?? ip });
    }
    return out;
  }

  serial(): number {
    return this.modified;
  }

  private touch(): void {
    this.modified = Math.floor(Date.now() / 1000);
  }
}

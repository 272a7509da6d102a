/**
 * Which Services changed since the last sync, from the informers' events: kube-proxy's
 * ServiceChangeTracker and EndpointsChangeTracker (pkg/proxy/servicechangetracker.go,
 * endpointschangetracker.go) reduced to what a partial sync needs, the keys (`ns/name`) of the
 * Services to recompute. It also keeps the EndpointSlices grouped by Service (upstream's
 * EndpointSliceCache), so one Service's endpoints are found without scanning every slice.
 */
import type { EventHandler } from '../client/informer.js';
import { LABEL_SERVICE_NAME } from './endpoints.js';
import type { Slice, Svc } from './proxier-loop.js';

/** `ns/name` of a Service. */
export const serviceKey = (namespace: string | undefined, name: string): string => `${namespace ?? 'default'}/${name}`;

/** The Service a slice belongs to (its kubernetes.io/service-name label), or undefined. */
export function sliceServiceKey(slice: Slice): string | undefined {
  const svc = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  return svc ? serviceKey(slice.metadata?.namespace, svc) : undefined;
}

const sliceKey = (slice: Slice): string => `${slice.metadata?.namespace ?? 'default'}/${slice.metadata?.name ?? ''}`;

export class ServiceChangeTracker {
  private pending = new Set<string>();
  /** Service key → slice key → slice. */
  private readonly slicesByService = new Map<string, Map<string, Slice>>();

  /** Feed to the Service informer. */
  readonly serviceHandler: EventHandler<Svc> = {
    add: (svc) => this.markService(svc),
    update: (old, svc) => {
      this.markService(old);
      this.markService(svc);
    },
    delete: (svc) => this.markService(svc),
  };

  /** Feed to the EndpointSlice informer. */
  readonly sliceHandler: EventHandler<Slice> = {
    add: (slice) => this.putSlice(slice),
    update: (old, slice) => {
      this.dropSlice(old);
      this.putSlice(slice);
    },
    delete: (slice) => this.dropSlice(slice),
  };

  /** The Services changed since the last take (and forgets them). */
  take(): Set<string> {
    const out = this.pending;
    this.pending = new Set();
    return out;
  }

  /** The slices of one Service now. */
  slicesOf(key: string): Slice[] {
    return [...(this.slicesByService.get(key)?.values() ?? [])];
  }

  private markService(svc: Svc): void {
    this.pending.add(serviceKey(svc.metadata?.namespace, svc.metadata?.name ?? ''));
  }

  private putSlice(slice: Slice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    const group = this.slicesByService.get(key) ?? new Map<string, Slice>();
    this.slicesByService.set(key, group.set(sliceKey(slice), slice));
    this.pending.add(key);
  }

  private dropSlice(slice: Slice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    const group = this.slicesByService.get(key);
    group?.delete(sliceKey(slice));
    if (group?.size === 0) this.slicesByService.delete(key);
    this.pending.add(key);
  }
}

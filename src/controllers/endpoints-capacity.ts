/**
 * The legacy Endpoints object holds at most 1000 addresses, as upstream's endpoints controller:
 * beyond that it is truncated (ready addresses kept first, each subset keeping its share, rounded
 * up) and annotated `endpoints.kubernetes.io/over-capacity: truncated`. EndpointSlices have no
 * such limit; consumers that need every endpoint read those.
 */
import type { EndpointSubset } from '../api/types.js';

export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

/** The subsets within capacity, and whether anything was cut (truncateEndpoints). */
export function truncateSubsets(subsets: EndpointSubset[], capacity = MAX_ENDPOINTS_CAPACITY): { subsets: EndpointSubset[]; truncated: boolean } {
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (ready + notReady <= capacity) return { subsets, truncated: false };
  const cutReady = ready > capacity;
  const max = cutReady ? capacity : capacity - ready;
  const total = cutReady ? ready : notReady;
  let room = max;
  const out = subsets.map((s) => {
    const list = (cutReady ? s.addresses : s.notReadyAddresses) ?? [];
    const take = Math.min(Math.ceil((list.length / total) * max), room);
    room -= take;
    const kept = list.slice(0, take);
    const next: EndpointSubset = { ...s };
    if (cutReady) {
      next.addresses = kept;
      delete next.notReadyAddresses;
    } else next.notReadyAddresses = kept;
    if (next.addresses?.length === 0) delete next.addresses;
    if (next.notReadyAddresses?.length === 0) delete next.notReadyAddresses;
    return next;
  });
  return { subsets: out, truncated: true };
}

/**
 * What bench/proxy-sync.ts times for one proxy mode: a full sync, then partial syncs of one
 * Service change each, with the mode holding what its last sync wrote.
 */
import type { EndpointSlice } from '../src/api/types.js';
import type { ServiceSet } from './proxy-fixture.js';

/**
 * Wall time of one sync: the kernel reads (full sync: the table's chain and set names; partial:
 * the canary), what the proxier computes (model + ruleset text), and the apply.
 */
export interface Timing { readMs: number; computeMs: number; applyMs: number; totalMs: number; ops: number }

export interface SliceChange { old: EndpointSlice; now: EndpointSlice }

/** Apply times (ms) of the minimal transactions any correct proxy sends for a change, by name. */
export type FloorTimes = Record<string, number>;

/** One proxy mode under test, holding what its last sync wrote (for partial syncs). */
export interface SyncMode {
  name: string;
  fullSync(set: ServiceSet): Promise<Timing>;
  /** After `change` (one slice replaced in `set`), as the informer would report it. */
  partialSync(set: ServiceSet, change: SliceChange): Promise<Timing>;
  /** The proxier's sync a second after a change: deletes the chains the change flushed (nftables). */
  deleteStale?(): Promise<Timing | undefined>;
  /** The kernel floor for the change just synced: Service `svcName` now reaching `ip`. */
  kernelFloor?(svcName: string, ip: string): Promise<FloorTimes>;
  /** Throws unless the kernel holds `ip` among the endpoints of Service `svcName`. */
  verifyEndpoint(svcName: string, ip: string): Promise<void>;
}

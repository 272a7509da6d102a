/**
 * The per-Service pieces of the `ip kube-proxy` table that the last sync wrote, kept between
 * syncs so that a partial sync recomputes only the Services that changed (kube-proxy's nftables
 * partial sync, PR #126013, with its per-set element stores). Each Service contributes a
 * fragment: its chains, affinity sets, map elements and reachable endpoints. Chains and sets
 * belong to exactly one Service (their names hold `ns/svc`); a map element may be written by two
 * Services (two Services can list the same external IP and port), and then the one a full sync
 * writes last wins: the last in service-port order, which is `ns/name/` order.
 */
import type { EndpointSlice, Service } from '../api/types.js';
import { buildEndpointsMap, endpointsKey, type EndpointInfo } from './endpoints.js';
import { buildServicePorts, type ServicePortInfo } from './service-port.js';
import { addServicePort, elementKey, emptyDesiredState, type DesiredState, type NodeContext } from './service-rules.js';
import type { ElementObj, SetObj } from './transaction.js';

/** What one Service contributes to the table. */
export interface ServiceFragment extends DesiredState {
  ports: ServicePortInfo[];
}

/** The changes a partial sync writes (what changed between two table states). */
export interface TableDelta {
  /** Chains to add-or-flush and fill with these rules. */
  writeChains: [string, readonly string[]][];
  /** Chains to flush and delete (after the elements that pointed at them). */
  deleteChains: string[];
  /** Affinity sets to add (new, or a changed timeout: re-adding updates it in place). */
  addSets: SetObj[];
  deleteSets: string[];
  deleteElements: ElementObj[];
  addElements: ElementObj[];
}

/** One Service's fragment, from the Service (undefined: deleted) and its EndpointSlices. */
export function buildServiceFragment(svc: Service | undefined, slices: readonly EndpointSlice[], node: NodeContext & { nodeName: string }): ServiceFragment {
  const ports = svc ? buildServicePorts([svc]) : [];
  const out: ServiceFragment = { ports, ...emptyDesiredState() };
  if (ports.length === 0) return out;
  const endpoints = buildEndpointsMap(slices, node.nodeName);
  for (const sp of ports) {
    const key = endpointsKey(sp);
    addServicePort(out, sp, endpoints.get(key) ?? [], node, key);
  }
  return out;
}

const sameRules = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((r, i) => r === b[i]);

export const sameElement = (a: ElementObj, b: ElementObj): boolean =>
  (a.value ?? []).join(' . ') === (b.value ?? []).join(' . ') && a.comment === b.comment;

const sameSet = (a: SetObj | undefined, b: SetObj): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The table's per-Service part: fragments by Service key (`ns/name`) and their union. */
export class ServiceTable {
  /** The union of all fragments: what the table holds once the last delta is applied. */
  readonly desired: DesiredState = emptyDesiredState();
  private readonly fragments = new Map<string, ServiceFragment>();
  /** elementKey → Service key → that Service's element. */
  private readonly owners = new Map<string, Map<string, ElementObj>>();
  /** Values before the first change since the last takeDelta (undefined: absent). */
  private beforeChains = new Map<string, string[] | undefined>();
  private beforeSets = new Map<string, SetObj | undefined>();
  private beforeElements = new Map<string, ElementObj | undefined>();

  /** Replaces one Service's fragment (undefined or no ports: the Service is gone). */
  setService(key: string, fragment: ServiceFragment | undefined): void {
    const old = this.fragments.get(key);
    if (old) this.remove(key, old);
    if (fragment && fragment.ports.length > 0) {
      this.fragments.set(key, fragment);
      this.insert(key, fragment);
    } else this.fragments.delete(key);
  }

  /** Every service port of every Service (for the UDP conntrack cleanup). */
  servicePorts(): ServicePortInfo[] {
    return [...this.fragments.values()].flatMap((f) => f.ports);
  }

  hasUdpPorts(): boolean {
    for (const f of this.fragments.values()) if (f.ports.some((sp) => sp.protocol === 'udp')) return true;
    return false;
  }

  /** What changed since the last call (or since the table was made), and forgets it. */
  takeDelta(): TableDelta {
    const d: TableDelta = { writeChains: [], deleteChains: [], addSets: [], deleteSets: [], deleteElements: [], addElements: [] };
    for (const [name, old] of this.beforeChains) {
      const now = this.desired.chains.get(name);
      if (now && !sameRules(old, now)) d.writeChains.push([name, now]);
      if (!now && old) d.deleteChains.push(name);
    }
    for (const [name, old] of this.beforeSets) {
      const now = this.desired.affinitySets.get(name);
      if (now && !sameSet(old, now)) d.addSets.push(now);
      if (!now && old) d.deleteSets.push(name);
    }
    for (const [key, old] of this.beforeElements) {
      const now = this.desired.elements.get(key);
      const same = old !== undefined && now !== undefined && sameElement(old, now);
      if (old && !same) d.deleteElements.push(old);
      if (now && !same) d.addElements.push(now);
    }
    this.beforeChains = new Map();
    this.beforeSets = new Map();
    this.beforeElements = new Map();
    return d;
  }

  private remove(key: string, f: ServiceFragment): void {
    for (const name of f.chains.keys()) {
      this.noteChain(name);
      this.desired.chains.delete(name);
    }
    for (const name of f.affinitySets.keys()) {
      this.noteSet(name);
      this.desired.affinitySets.delete(name);
    }
    for (const k of f.reachable.keys()) this.desired.reachable.delete(k);
    for (const ek of f.elements.keys()) {
      this.owners.get(ek)?.delete(key);
      this.settle(ek);
    }
  }

  private insert(key: string, f: ServiceFragment): void {
    for (const [name, rules] of f.chains) {
      this.noteChain(name);
      this.desired.chains.set(name, rules);
    }
    for (const [name, set] of f.affinitySets) {
      this.noteSet(name);
      this.desired.affinitySets.set(name, set);
    }
    for (const [k, eps] of f.reachable) this.desired.reachable.set(k, eps as EndpointInfo[]);
    for (const [ek, e] of f.elements) {
      const byService = this.owners.get(ek) ?? new Map<string, ElementObj>();
      this.owners.set(ek, byService.set(key, e));
      this.settle(ek);
    }
  }

  /** Sets the union's element `ek` to the last writer's in `ns/name/` order, or removes it. */
  private settle(ek: string): void {
    if (!this.beforeElements.has(ek)) this.beforeElements.set(ek, this.desired.elements.get(ek));
    const byService = this.owners.get(ek);
    let winner: [string, ElementObj] | undefined;
    for (const [svc, e] of byService ?? []) if (!winner || `${svc}/` > `${winner[0]}/`) winner = [svc, e];
    if (winner) this.desired.elements.set(ek, winner[1]);
    else {
      this.desired.elements.delete(ek);
      this.owners.delete(ek);
    }
  }

  private noteChain(name: string): void {
    if (!this.beforeChains.has(name)) this.beforeChains.set(name, this.desired.chains.get(name));
  }

  private noteSet(name: string): void {
    if (!this.beforeSets.has(name)) this.beforeSets.set(name, this.desired.affinitySets.get(name));
  }
}

export { elementKey };

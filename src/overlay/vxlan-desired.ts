/**
 * What flannel's vxlan backend programs on a node for every remote lease (pkg/backend/vxlan):
 * a route `<subnet> via <subnet network address> dev flannel.1 onlink`, a permanent neighbour
 * `<network address> lladdr <VtepMAC>` and an FDB entry `<VtepMAC> dst <public IP>`. Pure.
 */
import type { Lease } from './annotations.js';
import { formatCIDR, networkAddress, parseCIDR } from './subnet.js';

export interface VxlanRoute { dst: string; via: string }
export interface VxlanNeigh { ip: string; mac: string }
export interface VxlanFdb { mac: string; dst: string }

export interface VxlanState {
  routes: VxlanRoute[];
  neighs: VxlanNeigh[];
  fdb: VxlanFdb[];
}

/** Desired state for `self` given every lease (its own and other nodes' with other backends are skipped). */
export function desiredVxlanState(selfNode: string, leases: readonly Lease[]): VxlanState {
  const out: VxlanState = { routes: [], neighs: [], fdb: [] };
  const sorted = [...leases].sort((a, b) => (a.nodeName < b.nodeName ? -1 : 1));
  for (const l of sorted) {
    if (l.nodeName === selfNode || l.backendType !== 'vxlan' || !l.vtepMAC) continue;
    const net = parseCIDR(l.subnet);
    const gw = networkAddress(net);
    out.routes.push({ dst: formatCIDR(net), via: gw });
    out.neighs.push({ ip: gw, mac: l.vtepMAC });
    out.fdb.push({ mac: l.vtepMAC, dst: l.publicIP });
  }
  return out;
}

export interface VxlanDiff {
  add: VxlanState;
  remove: VxlanState;
}

const routeKey = (r: VxlanRoute) => `${r.dst} via ${r.via}`;
const neighKey = (n: VxlanNeigh) => `${n.ip} ${n.mac}`;
const fdbKey = (f: VxlanFdb) => `${f.mac} ${f.dst}`;

function diffList<T>(want: readonly T[], have: readonly T[], key: (t: T) => string): { add: T[]; remove: T[] } {
  const w = new Set(want.map(key));
  const h = new Set(have.map(key));
  return { add: want.filter((t) => !h.has(key(t))), remove: have.filter((t) => !w.has(key(t))) };
}

/** What to add and remove to turn `have` (read from the kernel) into `want`. */
export function diffVxlanState(want: VxlanState, have: VxlanState): VxlanDiff {
  const r = diffList(want.routes, have.routes, routeKey);
  const n = diffList(want.neighs, have.neighs, neighKey);
  const f = diffList(want.fdb, have.fdb, fdbKey);
  return { add: { routes: r.add, neighs: n.add, fdb: f.add }, remove: { routes: r.remove, neighs: n.remove, fdb: f.remove } };
}

export const isEmptyDiff = (d: VxlanDiff): boolean =>
  [d.add, d.remove].every((s) => s.routes.length + s.neighs.length + s.fdb.length === 0);

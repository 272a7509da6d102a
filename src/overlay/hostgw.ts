/**
 * flannel's host-gw backend (pkg/backend/hostgw): no tunnel; for every remote lease a route
 * `<subnet> via <PublicIP> dev <extIface>`, so the nodes must share a layer-2 network. The MTU
 * is the external interface's. Routes are compared with the kernel on every sync (flannel's
 * routeCheck re-adds missing ones every 10 s; here the runner's resync does it) and routes to
 * the pod network via this interface that no lease wants any more are removed (only `proto boot`
 * ones, the default of `ip route replace`, so a routing daemon's routes are left alone).
 */
import { ipBatch, ipJson } from '../dataplane/exec.js';
import type { Lease } from './annotations.js';
import { formatCIDR, parseCIDR, type IPv4Net } from './subnet.js';

export interface HostGwRoute { dst: string; via: string }

/** One route per other node whose lease is host-gw, sorted by node name. Pure. */
export function desiredHostGwRoutes(selfNode: string, selfIP: string, leases: readonly Lease[]): HostGwRoute[] {
  return [...leases]
    .filter((l) => l.nodeName !== selfNode && l.publicIP !== selfIP && l.backendType === 'host-gw')
    .sort((a, b) => (a.nodeName + a.subnet < b.nodeName + b.subnet ? -1 : 1))
    .map((l) => ({ dst: formatCIDR(parseCIDR(l.subnet)), via: l.publicIP }));
}

const key = (r: HostGwRoute) => `${r.dst} via ${r.via}`;

/** What to add and remove to turn `have` into `want`. Pure. */
export function diffHostGwRoutes(want: readonly HostGwRoute[], have: readonly HostGwRoute[]): { add: HostGwRoute[]; remove: HostGwRoute[] } {
  const w = new Set(want.map(key));
  const h = new Set(have.map(key));
  return { add: want.filter((r) => !h.has(key(r))), remove: have.filter((r) => !w.has(key(r))) };
}

const inside = (net: IPv4Net, inner: IPv4Net): boolean =>
  inner.prefix >= net.prefix && Math.floor(inner.base / 2 ** (32 - net.prefix)) === net.base / 2 ** (32 - net.prefix);

interface RouteJson { dst: string; gateway?: string }

/** The gatewayed routes on `dev` into the pod network: what host-gw owns there. */
export async function readHostGwRoutes(netns: string, dev: string, clusterCIDR: string): Promise<HostGwRoute[]> {
  const pods = parseCIDR(clusterCIDR);
  const routes = await ipJson<RouteJson[]>(netns, ['route', 'show', 'dev', dev, 'proto', 'boot']);
  return routes
    .filter((r) => r.gateway && r.dst !== 'default' && inside(pods, parseCIDR(r.dst.includes('/') ? r.dst : `${r.dst}/32`)))
    .map((r) => ({ dst: r.dst.includes('/') ? r.dst : `${r.dst}/32`, via: r.gateway as string }));
}

/** Brings the routes on `dev` to `want`; returns whether anything changed. */
export async function syncHostGwRoutes(netns: string, dev: string, clusterCIDR: string, want: readonly HostGwRoute[]): Promise<boolean> {
  const d = diffHostGwRoutes(want, await readHostGwRoutes(netns, dev, clusterCIDR));
  if (d.add.length + d.remove.length === 0) return false;
  // -force: a route already gone must not stop the rest.
  await ipBatch(netns, d.remove.map((r) => `route del ${r.dst} via ${r.via} dev ${dev}`), true).catch(() => undefined);
  await ipBatch(netns, d.add.map((r) => `route replace ${r.dst} via ${r.via} dev ${dev}`));
  return true;
}

interface AddrJson { addr_info?: { family: string; local: string }[] }

/** flannel refuses host-gw when the public IP is not the external interface's own (NAT in between). */
export async function checkHostGwInterface(netns: string, dev: string, publicIP: string): Promise<void> {
  const [link] = await ipJson<AddrJson[]>(netns, ['addr', 'show', 'dev', dev]);
  const addrs = (link?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local);
  if (!addrs.includes(publicIP)) {
    throw new Error(`flannel: host-gw: the public IP ${publicIP} is not an address of ${dev} in netns "${netns}" (has ${addrs.join(', ') || 'none'}): host-gw needs the nodes on one layer-2 network, without NAT`);
  }
}

/**
 * The bridge plugin's gateway calculation (reference bridge.go calcGateways, as facts): with
 * isGateway a missing gateway becomes network + 1 and goes on the bridge; isDefaultGateway adds
 * a default route via it unless the IPAM result already has a default route with a gateway.
 */
import type { CniIPConfig, CniRoute } from '../types.js';
import { addIP, formatCIDR, formatIP, networkAddr, parseCIDR, parseIP } from '../ip/addr.js';

export interface GatewayPlan {
  /** The pod's IPs, gateways filled in, pointing at interface 2 (the pod end). */
  ips: CniIPConfig[];
  routes: CniRoute[];
  /** `gw/len` addresses the bridge must hold (one per family). */
  bridgeAddrs: string[];
}

const DEFAULT_DST = { 4: '0.0.0.0/0', 6: '::/0' } as const;

export function calcGateways(ips: CniIPConfig[], routes: CniRoute[], isGateway: boolean, isDefaultGateway: boolean): GatewayPlan {
  const out: GatewayPlan = { ips: [], routes: [...routes], bridgeAddrs: [] };
  const done = new Set<number>();
  for (const ipc of ips) {
    const net = parseCIDR(ipc.address);
    const withIface: CniIPConfig = { ...ipc, interface: 2 };
    out.ips.push(withIface);
    if (!net || !isGateway) continue;
    const family = net.ip.family;
    if (!withIface.gateway) withIface.gateway = formatIP(addIP(networkAddr(net), 1n));
    if (done.has(family)) continue;
    done.add(family);
    out.bridgeAddrs.push(formatCIDR(parseIP(withIface.gateway)!, net.prefix));
    const hasDefault = out.routes.some((r) => r.gw && parseCIDR(r.dst)?.prefix === 0 && parseCIDR(r.dst)?.ip.family === family);
    if (isDefaultGateway && !hasDefault) out.routes.push({ dst: DEFAULT_DST[family], gw: withIface.gateway });
  }
  return out;
}

/** The `ip` lines that give the pod interface its addresses and routes, then bring it up. */
export function podIfaceLines(ifName: string, ips: CniIPConfig[], routes: CniRoute[]): string[] {
  const lines: string[] = [];
  for (const ipc of ips) {
    const v6 = parseCIDR(ipc.address)?.ip.family === 6;
    lines.push(v6 ? `addr add ${ipc.address} dev ${ifName}` : `addr add ${ipc.address} brd + dev ${ifName}`);
  }
  lines.push(`link set ${ifName} up`);
  for (const r of routes) {
    const family = parseCIDR(r.dst)?.ip.family;
    const gw = r.gw ?? ips.find((i) => i.gateway && parseIP(i.gateway)?.family === family)?.gateway;
    const extra = [r.priority !== undefined ? `metric ${r.priority}` : '', r.table !== undefined ? `table ${r.table}` : ''].filter(Boolean);
    lines.push(['route append', r.dst, ...(gw ? ['via', gw] : []), 'dev', ifName, ...extra].join(' '));
  }
  return lines;
}

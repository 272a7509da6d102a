/**
 * The pod half of CHECK, shared by bridge and ptp: the interface prevResult names must still be
 * in the sandbox with its MAC and addresses, and every prevResult route must still be there.
 */
import { type NsTarget, nsIpJson, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniResult } from '../types.js';
import { getLink } from '../ip/link.js';
import { parseCIDR } from '../ip/addr.js';

export interface RouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
}

/** `ip -j route` writes `default` for /0 and drops the length of a host route; gw undefined matches any. */
export function routeMatches(r: RouteJson, dst: string, gw?: string): boolean {
  const want = parseCIDR(dst);
  if (!want) return false;
  const v6 = want.ip.family === 6;
  const have = r.dst === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : r.dst.includes('/') ? r.dst : `${r.dst}/${v6 ? 128 : 32}`;
  return have === dst && (gw === undefined || r.gateway === gw);
}

/** IPv4 and IPv6 routes through `dev`. */
export async function routesOf(ns: NsTarget, dev: string): Promise<RouteJson[]> {
  return [...(await nsIpJson<RouteJson[]>(ns, ['route', 'show', 'dev', dev])), ...(await nsIpJson<RouteJson[]>(ns, ['-6', 'route', 'show', 'dev', dev]))];
}

/**
 * Checks the sandbox side of an attachment. `matchGateway`: a route must also keep its gateway
 * (bridge); ptp's routes are rewritten with `src` hints, so only their destinations count.
 */
export async function checkPodAttachment(plugin: string, prev: CniResult, args: CmdArgs, matchGateway: boolean): Promise<void> {
  const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `${plugin}: ${msg}`);
  if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `${plugin}: failed to open netns ${JSON.stringify(args.netns)}`);
  const pod = podNsTarget(args.netns);
  const idx = (prev.interfaces ?? []).findIndex((i) => i.name === args.ifName && !!i.sandbox);
  if (idx < 0) throw fail(`prevResult has no interface ${JSON.stringify(args.ifName)} in a sandbox`);
  const link = await getLink(pod, args.ifName);
  if (!link) throw fail(`interface ${JSON.stringify(args.ifName)} not found in ${args.netns}`);
  const mac = prev.interfaces![idx].mac;
  if (mac && link.address !== mac) throw fail(`interface ${args.ifName}: MAC is ${link.address}, expected ${mac}`);
  for (const ipc of (prev.ips ?? []).filter((i) => i.interface === idx)) {
    if (!(link.addr_info ?? []).some((a) => `${a.local}/${a.prefixlen}` === ipc.address)) throw fail(`interface ${args.ifName}: address ${ipc.address} not found`);
  }
  const routes = await routesOf(pod, args.ifName);
  for (const r of prev.routes ?? []) {
    const gw = matchGateway ? r.gw : undefined;
    if (!routes.some((x) => routeMatches(x, r.dst, gw))) throw fail(`route ${r.dst}${matchGateway ? ` via ${r.gw ?? '(none)'}` : ''} not found in ${args.netns}`);
  }
}

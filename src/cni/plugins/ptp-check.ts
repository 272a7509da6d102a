/**
 * ptp CHECK: what ADD made must still be there, as prevResult describes it: the pod interface
 * with its MAC and addresses, the routes, and the host end with the gateway addresses and a
 * route to each pod IP.
 */
import { type NsTarget, nsIpJson, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniResult } from '../types.js';
import { getLink } from '../ip/link.js';
import { formatIP, parseCIDR } from '../ip/addr.js';

const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `ptp: ${msg}`);

interface RouteJson {
  dst: string;
  gateway?: string;
}

/** `ip -j route` writes `default` for /0 and drops the length of a host route. */
function sameDst(r: RouteJson, dst: string): boolean {
  const want = parseCIDR(dst);
  if (!want) return false;
  const full = want.ip.family === 6 ? 128 : 32;
  const have = r.dst === 'default' ? `${want.ip.family === 6 ? '::' : '0.0.0.0'}/0` : r.dst.includes('/') ? r.dst : `${r.dst}/${full}`;
  return have === dst;
}

async function routesOf(ns: NsTarget, dev: string): Promise<RouteJson[]> {
  return [...(await nsIpJson<RouteJson[]>(ns, ['route', 'show', 'dev', dev])), ...(await nsIpJson<RouteJson[]>(ns, ['-6', 'route', 'show', 'dev', dev]))];
}

async function checkPod(prev: CniResult, args: CmdArgs): Promise<void> {
  if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `ptp: failed to open netns ${JSON.stringify(args.netns)}`);
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
    if (!routes.some((x) => sameDst(x, r.dst))) throw fail(`route ${r.dst} not found in ${args.netns}`);
  }
}

async function checkHost(prev: CniResult, host: NsTarget): Promise<void> {
  const hostIf = (prev.interfaces ?? []).find((i) => !i.sandbox);
  if (!hostIf) throw fail('prevResult has no host interface');
  const veth = await getLink(host, hostIf.name);
  if (!veth) throw fail(`host interface ${JSON.stringify(hostIf.name)} not found`);
  const routes = await routesOf(host, hostIf.name);
  for (const ipc of prev.ips ?? []) {
    const net = parseCIDR(ipc.address)!;
    const full = net.ip.family === 6 ? 128 : 32;
    if (ipc.gateway && !(veth.addr_info ?? []).some((a) => a.local === ipc.gateway && a.prefixlen === full)) {
      throw fail(`host interface ${hostIf.name}: gateway ${ipc.gateway}/${full} not found`);
    }
    if (!routes.some((r) => sameDst(r, `${formatIP(net.ip)}/${full}`))) throw fail(`host route to ${formatIP(net.ip)} via ${hostIf.name} not found`);
  }
}

export async function checkPtp(prev: CniResult, args: CmdArgs, host: NsTarget): Promise<void> {
  await checkPod(prev, args);
  await checkHost(prev, host);
}

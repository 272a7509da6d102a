/**
 * bridge CHECK: what ADD made must still be there, as prevResult describes it: the bridge,
 * the host veth enslaved to it, the pod interface with its MAC and addresses, and the routes.
 */
import { type NsTarget, nsIpJson, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniResult } from '../types.js';
import { getLink } from '../ip/link.js';
import { parseCIDR } from '../ip/addr.js';
import type { BridgeConf } from './bridge-config.js';

const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `bridge: ${msg}`);

interface RouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
}

/** `0.0.0.0/0` is `default` in `ip -j route`; /32 and /128 appear without the length. */
function routeMatches(r: RouteJson, dst: string, gw: string | undefined): boolean {
  const want = parseCIDR(dst);
  const have = r.dst === 'default' ? (want?.ip.family === 6 ? '::/0' : '0.0.0.0/0') : r.dst.includes('/') ? r.dst : `${r.dst}/${want?.ip.family === 6 ? 128 : 32}`;
  return have === dst && (gw === undefined || r.gateway === gw);
}

async function checkPod(prev: CniResult, args: CmdArgs): Promise<void> {
  if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `bridge: failed to open netns ${JSON.stringify(args.netns)}`);
  const pod = podNsTarget(args.netns);
  const idx = (prev.interfaces ?? []).findIndex((i) => i.name === args.ifName && !!i.sandbox);
  if (idx < 0) throw fail(`prevResult has no interface ${JSON.stringify(args.ifName)} in a sandbox`);
  const link = await getLink(pod, args.ifName);
  if (!link) throw fail(`interface ${JSON.stringify(args.ifName)} not found in ${args.netns}`);
  const mac = prev.interfaces![idx].mac;
  if (mac && link.address !== mac) throw fail(`interface ${args.ifName}: MAC is ${link.address}, expected ${mac}`);
  for (const ipc of (prev.ips ?? []).filter((i) => i.interface === idx)) {
    if (!(link.addr_info ?? []).some((a) => `${a.local}/${a.prefixlen}` === ipc.address)) {
      throw fail(`interface ${args.ifName}: address ${ipc.address} not found`);
    }
  }
  const routes = await nsIpJson<RouteJson[]>(pod, ['route', 'show', 'dev', args.ifName]);
  const routes6 = (prev.routes ?? []).some((r) => parseCIDR(r.dst)?.ip.family === 6) ? await nsIpJson<RouteJson[]>(pod, ['-6', 'route', 'show', 'dev', args.ifName]) : [];
  for (const r of prev.routes ?? []) {
    if (![...routes, ...routes6].some((x) => routeMatches(x, r.dst, r.gw))) throw fail(`route ${r.dst} via ${r.gw ?? '(none)'} not found in ${args.netns}`);
  }
}

async function checkHost(c: BridgeConf, prev: CniResult, host: NsTarget): Promise<void> {
  const br = await getLink(host, c.bridge);
  if (!br || br.linkinfo?.info_kind !== 'bridge') throw fail(`bridge ${JSON.stringify(c.bridge)} not found`);
  for (const i of (prev.interfaces ?? []).filter((x) => !x.sandbox && x.name !== c.bridge)) {
    const veth = await getLink(host, i.name);
    if (!veth) throw fail(`host interface ${JSON.stringify(i.name)} not found`);
    if (veth.master !== c.bridge) throw fail(`host interface ${i.name} is not a port of ${c.bridge}`);
  }
}

export async function checkBridge(c: BridgeConf, prev: CniResult, args: CmdArgs, host: NsTarget): Promise<void> {
  await checkPod(prev, args);
  await checkHost(c, prev, host);
}

/**
 * ptp CHECK: what ADD made must still be there, as prevResult describes it: the pod interface
 * with its MAC and addresses, the routes, and the host end with the gateway addresses and a
 * route to each pod IP.
 */
import type { NsTarget } from '../ns.js';
import type { CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniResult } from '../types.js';
import { getLink } from '../ip/link.js';
import { formatIP, parseCIDR } from '../ip/addr.js';
import { checkPodAttachment, routeMatches, routesOf } from './pod-check.js';

const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `ptp: ${msg}`);

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
    if (!routes.some((r) => routeMatches(r, `${formatIP(net.ip)}/${full}`))) throw fail(`host route to ${formatIP(net.ip)} via ${hostIf.name} not found`);
  }
}

export async function checkPtp(prev: CniResult, args: CmdArgs, host: NsTarget): Promise<void> {
  await checkPodAttachment('ptp', prev, args, false);
  await checkHost(prev, host);
}

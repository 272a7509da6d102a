/**
 * calico CHECK: the pod side as prevResult describes it (interface, MAC, /32, default via
 * 169.254.1.1), and the host side: the cali veth, proxy ARP on it, and a /32 route per address.
 */
import { type NsTarget, nsRun } from '../ns.js';
import type { CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniResult } from '../types.js';
import { getLink } from '../ip/link.js';
import { checkPodAttachment, routeMatches, routesOf } from './pod-check.js';

const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `calico: ${msg}`);

async function checkHost(prev: CniResult, host: NsTarget): Promise<void> {
  const hostIf = (prev.interfaces ?? []).find((i) => !i.sandbox);
  if (!hostIf) throw fail('prevResult has no host interface');
  if (!(await getLink(host, hostIf.name))) throw fail(`host interface ${JSON.stringify(hostIf.name)} not found`);
  const proxyArp = (await nsRun(host, 'sysctl', ['-n', `net/ipv4/conf/${hostIf.name}/proxy_arp`])).stdout.trim();
  if (proxyArp !== '1') throw fail(`host interface ${hostIf.name}: proxy_arp is ${proxyArp}, expected 1`);
  const routes = await routesOf(host, hostIf.name);
  for (const ipc of prev.ips ?? []) {
    if (!routes.some((r) => routeMatches(r, ipc.address))) throw fail(`host route to ${ipc.address} via ${hostIf.name} not found`);
  }
}

export async function checkCalico(prev: CniResult, args: CmdArgs, host: NsTarget): Promise<void> {
  await checkPodAttachment('calico', prev, args, true);
  await checkHost(prev, host);
}

/**
 * bridge: connects the pod to a Linux bridge in the runtime namespace through a veth pair,
 * as the reference plugin does (pod-network note §1.4). ADD: bridge if missing, IPAM, gateway
 * on the bridge, veth (pod end CNI_IFNAME created directly in the pod netns, host end
 * veth<8 hex> enslaved, hairpin), pod addresses and routes, ip_forward. A failure after IPAM
 * removes the veth and calls IPAM DEL. DEL succeeds when the netns or interface is gone.
 */
import { isAlreadyExists, isNotFound } from '../../dataplane/exec.js';
import { withKeyLock } from '../mutex.js';
import { type NsTarget, nsIp, nsIpBatch, nsSysctl, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs, CniPlugin, PluginContext } from '../skel.js';
import { CniError, CniErrorCode, type CniResult, type NetConf } from '../types.js';
import { type LinkInfo, getLink, randomMac, randomVethName } from '../ip/link.js';
import { parseCIDR } from '../ip/addr.js';
import { type BridgeConf, parseBridgeConf } from './bridge-config.js';
import { checkBridge } from './bridge-check.js';
import { calcGateways, podIfaceLines } from './gateway.js';

/** Creates the bridge when missing (with a pinned MAC, so ports joining never change it). */
async function ensureBridge(host: NsTarget, c: BridgeConf): Promise<LinkInfo> {
  return withKeyLock(`bridge:${host ?? ''}:${c.bridge}`, async () => {
    const found = await getLink(host, c.bridge);
    if (found) {
      if (found.linkinfo?.info_kind !== 'bridge') throw new CniError(CniErrorCode.Internal, `bridge: ${JSON.stringify(c.bridge)} already exists but is not a bridge`);
      return found;
    }
    const mtu = c.mtu ? ` mtu ${c.mtu}` : '';
    const lines = [`link add ${c.bridge} address ${randomMac()}${mtu} type bridge`, `link set ${c.bridge} up`];
    if (c.promiscMode) lines.push(`link set ${c.bridge} promisc on`);
    await nsIpBatch(host, lines).catch((e) => {
      if (!isAlreadyExists(e)) throw e;
    });
    const made = await getLink(host, c.bridge);
    if (!made) throw new CniError(CniErrorCode.Internal, `bridge: Cannot create bridge ${JSON.stringify(c.bridge)}`);
    return made;
  });
}

/** Puts each gateway address on the bridge; another IPv4 address is an error unless forceAddress. */
async function ensureGatewayAddrs(host: NsTarget, br: LinkInfo, addrs: string[], c: BridgeConf): Promise<void> {
  const lines: string[] = [];
  for (const a of addrs) {
    const want = parseCIDR(a)!;
    const family = want.ip.family === 4 ? 'inet' : 'inet6';
    const existing = (br.addr_info ?? []).filter((x) => x.family === family && x.scope !== 'link');
    if (existing.some((x) => `${x.local}/${x.prefixlen}` === a)) continue;
    for (const x of existing.filter(() => family === 'inet')) {
      if (!c.forceAddress) throw new CniError(CniErrorCode.Internal, `bridge: ${JSON.stringify(c.bridge)} already has an IP address different from ${a}`);
      lines.push(`addr del ${x.local}/${x.prefixlen} dev ${c.bridge}`);
    }
    lines.push(`addr replace ${a}${family === 'inet' ? ' brd +' : ''} dev ${c.bridge}`);
  }
  await nsIpBatch(host, lines);
}

/** The veth pair, host end enslaved to the bridge; the pod end is created inside the pod netns. */
async function setupVeth(host: NsTarget, netnsPath: string, ifName: string, c: BridgeConf, hostVeth: string, macs: [string, string]): Promise<void> {
  const mtu = c.mtu ? ` mtu ${c.mtu}` : '';
  const lines = [
    `link add ${hostVeth} address ${macs[0]}${mtu} type veth peer name ${ifName} address ${macs[1]}${mtu} netns ${netnsPath}`,
    `link set ${hostVeth} master ${c.bridge}`,
    ...(c.hairpinMode ? [`link set ${hostVeth} type bridge_slave hairpin on`] : []),
    `link set ${hostVeth} up`,
  ];
  try {
    await nsIpBatch(host, lines);
  } catch (e) {
    if (isAlreadyExists(e)) throw new CniError(CniErrorCode.Internal, `bridge: container veth name provided (${ifName}) already exists`);
    throw e;
  }
}

async function addAttachment(c: BridgeConf, conf: NetConf, args: CmdArgs, ctx: PluginContext, br: LinkInfo, ipam: CniResult | undefined): Promise<CniResult> {
  const host = ctx.hostNetns;
  const pod = podNsTarget(args.netns);
  const plan = calcGateways(ipam?.ips ?? [], ipam?.routes ?? [], c.isGateway, c.isDefaultGateway);
  if (c.isGateway) await ensureGatewayAddrs(host, br, plan.bridgeAddrs, c);
  const hostVeth = randomVethName();
  const macs: [string, string] = [randomMac(), c.mac ?? randomMac()];
  await setupVeth(host, args.netns, args.ifName, c, hostVeth, macs);
  try {
    await nsSysctl(pod, { [`net.ipv4.conf.${args.ifName}.arp_notify`]: 1 });
    await nsIpBatch(pod, podIfaceLines(args.ifName, plan.ips, plan.routes));
    if (c.isGateway) await nsSysctl(host, forwardingSysctls(plan.bridgeAddrs));
  } catch (e) {
    await nsIp(host, ['link', 'del', hostVeth]).catch(() => undefined);
    throw e;
  }
  const dns = conf.dns && Object.keys(conf.dns).length > 0 ? conf.dns : ipam?.dns ?? {};
  return {
    cniVersion: conf.cniVersion,
    interfaces: [
      { name: c.bridge, mac: br.address },
      { name: hostVeth, mac: macs[0] },
      { name: args.ifName, mac: macs[1], sandbox: args.netns },
    ],
    ips: plan.ips,
    routes: plan.routes,
    dns,
  };
}

const forwardingSysctls = (addrs: string[]): Record<string, number> =>
  Object.fromEntries(addrs.map((a) => (parseCIDR(a)?.ip.family === 6 ? ['net.ipv6.conf.all.forwarding', 1] : ['net.ipv4.ip_forward', 1])));

export const bridge: CniPlugin = {
  type: 'bridge',

  async add(conf, args, ctx) {
    const c = parseBridgeConf(conf, args);
    if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `bridge: failed to open netns ${JSON.stringify(args.netns)}`);
    const br = await ensureBridge(ctx.hostNetns, c);
    const ipam = c.hasIpam ? await ctx.ipam('ADD', conf, args, ctx) : undefined;
    try {
      return await addAttachment(c, conf, args, ctx, br, ipam);
    } catch (e) {
      // Invoke IPAM DEL so that a failed ADD does not leak its IP.
      if (c.hasIpam) await ctx.ipam('DEL', conf, args, ctx).catch(() => undefined);
      throw e;
    }
  },

  async del(conf, args, ctx) {
    const c = parseBridgeConf(conf, args);
    if (args.netns && (await pathExists(args.netns))) {
      await nsIp(podNsTarget(args.netns), ['link', 'del', args.ifName]).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
    if (c.hasIpam) await ctx.ipam('DEL', conf, args, ctx);
  },

  async check(conf, args, ctx) {
    const c = parseBridgeConf(conf, args);
    if (!conf.prevResult) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'prevResult: Required prevResult missing');
    if (c.hasIpam) await ctx.ipam('CHECK', conf, args, ctx);
    await checkBridge(c, conf.prevResult, args, ctx.hostNetns);
  },
};

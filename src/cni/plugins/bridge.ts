/**
 * bridge: connects the pod to a Linux bridge in the runtime namespace through a veth pair,
 * as the reference plugin does (pod-network note §1.4). ADD: bridge if missing, IPAM, gateway
 * on the bridge, veth (pod end CNI_IFNAME created directly in the pod netns, host end
 * veth<8 hex> enslaved, hairpin), pod addresses and routes, ip_forward. A failure after IPAM
 * removes the veth and calls IPAM DEL. DEL succeeds when the netns or interface is gone.
 */
import { PLUGIN_VERSION_INFO } from '../version.js';
import { isAlreadyExists, isNotFound } from '../../dataplane/exec.js';
import { type NsTarget, nsIp, nsIpBatch, nsRun, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs, CniPlugin, PluginContext } from '../skel.js';
import { CniError, CniErrorCode, type CniResult, type NetConf } from '../types.js';
import { type LinkInfo, getLink, randomMac, randomVethName } from '../ip/link.js';
import { ensureBridge, ensureForwarding, forgetBridge, rememberGateways } from './bridge-host.js';
import { parseCIDR } from '../ip/addr.js';
import { type BridgeConf, parseBridgeConf } from './bridge-config.js';
import { checkBridge } from './bridge-check.js';
import { addWithIpam, ipamDelegatingVerbs } from '../ipam/delegate.js';
import { calcGateways, podIfaceLines } from './gateway.js';

/**
 * `ip` lines that (re)assert each gateway address on the bridge. Another IPv4 address on it is
 * an error unless forceAddress, which replaces it.
 */
function gatewayLines(br: LinkInfo, addrs: string[], c: BridgeConf): string[] {
  const lines: string[] = [];
  for (const a of addrs) {
    const family = parseCIDR(a)!.ip.family === 4 ? 'inet' : 'inet6';
    const others = (br.addr_info ?? []).filter((x) => x.family === 'inet' && family === 'inet' && `${x.local}/${x.prefixlen}` !== a);
    for (const x of others) {
      if (!c.forceAddress) throw new CniError(CniErrorCode.Internal, `bridge: ${JSON.stringify(c.bridge)} already has an IP address different from ${a}`);
      lines.push(`addr del ${x.local}/${x.prefixlen} dev ${c.bridge}`);
    }
    lines.push(`addr replace ${a}${family === 'inet' ? ' brd +' : ''} dev ${c.bridge}`);
  }
  return lines;
}

/** The veth pair, host end enslaved to the bridge; the pod end is created inside the pod netns. */
function vethLines(netnsPath: string, ifName: string, c: BridgeConf, hostVeth: string, macs: [string, string]): string[] {
  const mtu = c.mtu ? ` mtu ${c.mtu}` : '';
  return [
    // txqlen 0 on both ends, as the reference creates them (veths use noqueue either way).
    `link add ${hostVeth} address ${macs[0]}${mtu} txqlen 0 type veth peer name ${ifName} address ${macs[1]}${mtu} txqlen 0 netns ${netnsPath}`,
    `link set ${hostVeth} master ${c.bridge}`,
    ...(c.hairpinMode ? [`link set ${hostVeth} type bridge_slave hairpin on`] : []),
    `link set ${hostVeth} up`,
  ];
}

/** Gateway and veth in one `ip -batch` in the runtime netns; retried once if the bridge vanished. */
async function setupHostSide(host: NsTarget, args: CmdArgs, c: BridgeConf, bridgeAddrs: string[], hostVeth: string, macs: [string, string]): Promise<LinkInfo> {
  for (let attempt = 0; ; attempt++) {
    const br = await ensureBridge(host, c);
    const lines = [...(c.isGateway ? gatewayLines(br, bridgeAddrs, c) : []), ...vethLines(args.netns, args.ifName, c, hostVeth, macs)];
    try {
      await nsIpBatch(host, lines);
      if (c.isGateway) rememberGateways(br, bridgeAddrs, c.forceAddress);
      return br;
    } catch (e) {
      await forgetBridge(host, c.bridge);
      await nsIp(host, ['link', 'del', hostVeth]).catch(() => undefined);
      if (isAlreadyExists(e) && (await getLink(podNsTarget(args.netns), args.ifName))) {
        throw new CniError(CniErrorCode.Internal, `bridge: container veth name provided (${args.ifName}) already exists`);
      }
      if (attempt > 0 || !isNotFound(e)) throw e;
    }
  }
}

/**
 * In the pod, one process chain: arp_notify (so peers learn a reused IP's new MAC), accept_dad
 * off unless enabledad (IPv6 addresses usable at once, as the reference does), then the
 * addresses and routes.
 */
async function setupPodSide(args: CmdArgs, c: BridgeConf, lines: string[]): Promise<void> {
  const dad = c.enableDad ? '' : 'echo 0 > "/proc/sys/net/ipv6/conf/$1/accept_dad" 2>/dev/null; ';
  const script = `${dad}echo 1 > "/proc/sys/net/ipv4/conf/$1/arp_notify" && exec ip -batch -`;
  await nsRun(podNsTarget(args.netns), 'sh', ['-c', script, 'sh', args.ifName], { input: lines.join('\n') + '\n' });
}

async function addAttachment(c: BridgeConf, conf: NetConf, args: CmdArgs, ctx: PluginContext, ipam: CniResult | undefined): Promise<CniResult> {
  const host = ctx.hostNetns;
  const plan = calcGateways(ipam?.ips ?? [], ipam?.routes ?? [], c.isGateway, c.isDefaultGateway);
  const hostVeth = randomVethName();
  const macs: [string, string] = [randomMac(), c.mac ?? randomMac()];
  const br = await setupHostSide(host, args, c, plan.bridgeAddrs, hostVeth, macs);
  try {
    await setupPodSide(args, c, podIfaceLines(args.ifName, plan.ips, plan.routes));
    await ensureForwarding(host, plan.bridgeAddrs, [hostVeth]);
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

export const bridge: CniPlugin = {
  type: 'bridge',
  version: PLUGIN_VERSION_INFO,

  async add(conf, args, ctx) {
    const c = parseBridgeConf(conf, args);
    if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `bridge: failed to open netns ${JSON.stringify(args.netns)}`);
    return addWithIpam(conf, args, ctx, (ipam) => addAttachment(c, conf, args, ctx, ipam), c.hasIpam);
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

  // The bridge is made on demand and pod interfaces go with their netns: GC and STATUS are IPAM's.
  ...ipamDelegatingVerbs(parseBridgeConf, (c) => c.hasIpam, (c, prev, args, ctx) => checkBridge(c, prev, args, ctx.hostNetns)),
};

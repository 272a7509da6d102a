/**
 * ptp: a veth pair between the runtime netns and the pod, no bridge, as the reference plugin
 * (pod-network note §1.4, observed against Debian's 1.1.1). The host end holds each gateway as
 * a /32 (/128) and a host-scope route to the pod IP; in the pod the connected subnet route is
 * replaced by `gw/32 scope link src ip` + `subnet via gw src ip`, so every packet goes through
 * the host. The pod interface keeps the kernel's arp_notify/accept_dad defaults, as the
 * reference leaves them; with IPv6 the routes wait for DAD to finish, as there.
 */
import { isAlreadyExists, isNotFound } from '../../dataplane/exec.js';
import { nsIp, nsIpBatch, nsIpJson, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs, CniPlugin, PluginContext } from '../skel.js';
import { checkKnownArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniIPConfig, type CniResult, type NetConf } from '../types.js';
import { getLink, randomMac, randomVethName } from '../ip/link.js';
import { addIP, bits, formatCIDR, formatIP, networkAddr, parseCIDR } from '../ip/addr.js';
import { PLUGIN_VERSION_INFO } from '../version.js';
import { ensureForwarding } from './bridge-host.js';
import { checkPtp } from './ptp-check.js';
import { addWithIpam, ipamDelegatingVerbs } from '../ipam/delegate.js';

export interface PtpConf {
  mtu?: number;
}

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

export function parsePtpConf(conf: NetConf, args: CmdArgs): PtpConf {
  checkKnownArgs(args.args, []);
  if (conf.ipMasq === true) throw new CniError(CniErrorCode.UnsupportedField, "ipMasq: not supported by podnet's ptp plugin");
  if (conf.ipMasq !== undefined && typeof conf.ipMasq !== 'boolean') throw invalid('ipMasq', 'must be a boolean');
  if (typeof conf.ipam?.type !== 'string' || conf.ipam.type === '') throw invalid('ipam.type', 'ptp needs an IPAM plugin');
  const mtu = conf.mtu;
  if (mtu === undefined || mtu === null || mtu === 0) return {};
  if (!Number.isInteger(mtu) || (mtu as number) < 68 || (mtu as number) > 65535) throw invalid('mtu', `must be an integer in 68..65535, got ${JSON.stringify(mtu)}`);
  return { mtu: mtu as number };
}

/** The IPAM IPs with a gateway each (network + 1 when IPAM gave none) and interface 1 (the pod end). */
export function ptpIps(ips: CniIPConfig[]): CniIPConfig[] {
  return ips.map((ipc) => {
    const net = parseCIDR(ipc.address);
    if (!net) throw new CniError(CniErrorCode.Internal, `ptp: IPAM returned an invalid address ${JSON.stringify(ipc.address)}`);
    return { ...ipc, interface: 1, gateway: ipc.gateway ?? formatIP(addIP(networkAddr(net), 1n)) };
  });
}

/** `ip` lines in the runtime netns: the pair (pod end made in the pod), gateways, routes to the pod. */
export function ptpHostLines(hostVeth: string, ifName: string, netns: string, mtu: number | undefined, macs: [string, string], ips: CniIPConfig[]): string[] {
  const m = mtu ? ` mtu ${mtu}` : '';
  const lines = [
    `link add ${hostVeth} address ${macs[0]}${m} txqlen 0 type veth peer name ${ifName} address ${macs[1]}${m} txqlen 0 netns ${netns}`,
    `link set ${hostVeth} up`,
  ];
  for (const ipc of ips) {
    const net = parseCIDR(ipc.address)!;
    const full = bits(net.ip.family);
    lines.push(`addr add ${ipc.gateway}/${full} dev ${hostVeth}`);
    lines.push(`route add ${formatIP(net.ip)}/${full} dev ${hostVeth} scope host`);
  }
  return lines;
}

/** `ip` lines in the pod, in two steps: addresses and up; then (IPv6 DAD settled) the routes. */
export function ptpPodLines(ifName: string, ips: CniIPConfig[], routes: CniResult['routes'] = []): { addrs: string[]; routes: string[] } {
  const addrs = ips.map((ipc) => `addr add ${ipc.address}${parseCIDR(ipc.address)!.ip.family === 4 ? ' brd +' : ''} dev ${ifName}`);
  addrs.push(`link set ${ifName} up`);
  const out: string[] = [];
  for (const ipc of ips) {
    const net = parseCIDR(ipc.address)!;
    const ip = formatIP(net.ip);
    const subnet = formatCIDR(networkAddr(net), net.prefix);
    if (net.prefix < bits(net.ip.family)) out.push(`route del ${subnet} dev ${ifName}`);
    out.push(`route add ${ipc.gateway}/${bits(net.ip.family)} dev ${ifName} scope link src ${ip}`);
    if (net.prefix < bits(net.ip.family)) out.push(`route add ${subnet} via ${ipc.gateway} dev ${ifName} src ${ip}`);
  }
  for (const r of routes) {
    const family = parseCIDR(r.dst)?.ip.family;
    const gw = r.gw ?? ips.find((i) => parseCIDR(i.address)?.ip.family === family)?.gateway;
    const extra = [r.priority !== undefined ? `metric ${r.priority}` : '', r.table !== undefined ? `table ${r.table}` : ''].filter(Boolean);
    out.push(['route add', r.dst, ...(gw ? ['via', gw] : []), 'dev', ifName, ...extra].join(' '));
  }
  return { addrs, routes: out };
}

const DAD_TIMEOUT_MS = 5000;

/**
 * Waits until no IPv6 address on the pod interface is tentative, as the reference settles
 * addresses before its `src` routes (which the kernel refuses for a tentative address).
 */
async function settleAddresses(pod: string, ifName: string): Promise<void> {
  const deadline = Date.now() + DAD_TIMEOUT_MS;
  for (;;) {
    const tentative = await nsIpJson<Array<{ addr_info?: unknown[] }>>(pod, ['-6', 'addr', 'show', 'dev', ifName, 'tentative']);
    if (!tentative.some((l) => (l.addr_info ?? []).length > 0)) return;
    if (Date.now() > deadline) throw new CniError(CniErrorCode.Internal, `ptp: IPv6 addresses on ${ifName} still tentative after ${DAD_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function setupPod(args: CmdArgs, ips: CniIPConfig[], routes: CniResult['routes']): Promise<void> {
  const pod = podNsTarget(args.netns);
  const lines = ptpPodLines(args.ifName, ips, routes);
  await nsIpBatch(pod, lines.addrs);
  if (ips.some((i) => parseCIDR(i.address)?.ip.family === 6)) await settleAddresses(pod, args.ifName);
  await nsIpBatch(pod, lines.routes);
}

async function addAttachment(c: PtpConf, conf: NetConf, args: CmdArgs, ctx: PluginContext, ipam: CniResult): Promise<CniResult> {
  if (!ipam.ips || ipam.ips.length === 0) throw new CniError(CniErrorCode.Internal, 'ptp: IPAM plugin returned missing IP config');
  const ips = ptpIps(ipam.ips);
  const hostVeth = randomVethName();
  const macs: [string, string] = [randomMac(), randomMac()];
  try {
    await nsIpBatch(ctx.hostNetns, ptpHostLines(hostVeth, args.ifName, args.netns, c.mtu, macs, ips));
    await setupPod(args, ips, ipam.routes);
    await ensureForwarding(ctx.hostNetns, ips.map((i) => i.address), [hostVeth]);
  } catch (e) {
    await nsIp(ctx.hostNetns, ['link', 'del', hostVeth]).catch(() => undefined);
    if (isAlreadyExists(e) && (await getLink(podNsTarget(args.netns), args.ifName))) {
      throw new CniError(CniErrorCode.Internal, `ptp: container veth name provided (${args.ifName}) already exists`);
    }
    throw e;
  }
  const dns = conf.dns && Object.keys(conf.dns).length > 0 ? conf.dns : ipam.dns ?? {};
  return {
    cniVersion: conf.cniVersion,
    interfaces: [{ name: hostVeth, mac: macs[0] }, { name: args.ifName, mac: macs[1], sandbox: args.netns }],
    ips,
    routes: ipam.routes ?? [],
    dns,
  };
}

export const ptp: CniPlugin = {
  type: 'ptp',
  version: PLUGIN_VERSION_INFO,

  async add(conf, args, ctx) {
    const c = parsePtpConf(conf, args);
    if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `ptp: failed to open netns ${JSON.stringify(args.netns)}`);
    return addWithIpam(conf, args, ctx, (ipam) => addAttachment(c, conf, args, ctx, ipam ?? { cniVersion: conf.cniVersion }));
  },

  async del(conf, args, ctx) {
    parsePtpConf(conf, args);
    // The host end and its /32 route go with the pod end.
    if (args.netns && (await pathExists(args.netns))) {
      await nsIp(podNsTarget(args.netns), ['link', 'del', args.ifName]).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
    await ctx.ipam('DEL', conf, args, ctx);
  },

  // Interfaces go with their netns; what outlives a lost DEL is the IPAM reservation.
  ...ipamDelegatingVerbs(parsePtpConf, () => true, (_c, prev, args, ctx) => checkPtp(prev, args, ctx.hostNetns)),
};

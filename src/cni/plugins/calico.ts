/**
 * calico: Calico's CNI plugin for pods (no bridge, no gateway address): IPAM delegated to
 * calico-ipam, then the wiring of calico-wiring.ts. DEL removes the pod interface (its peer and
 * the host route go with it; a gone netns took them already) and releases the handle; it
 * succeeds on what is already gone.
 */
import { isAlreadyExists, isNotFound } from '../../dataplane/exec.js';
import { nsIp, nsRun, pathExists, podNsTarget } from '../ns.js';
import type { CmdArgs, CniPlugin, PluginContext } from '../skel.js';
import { CniError, CniErrorCode, type CniResult, type NetConf } from '../types.js';
import { getLink, randomMac } from '../ip/link.js';
import { PLUGIN_VERSION_INFO } from '../version.js';
import { addWithIpam, ipamDelegatingVerbs } from '../ipam/delegate.js';
import { type CalicoConf, hostVethName, parseCalicoConf } from './calico-config.js';
import { CALICO_GATEWAY, HOST_VETH_MAC, hostLinkLines, hostRouteLines, hostScript, ipv4Of, podLines, podScript } from './calico-wiring.js';
import { checkCalico } from './calico-check.js';

function parse(conf: NetConf, args: CmdArgs): CalicoConf {
  if (typeof conf.ipam?.type !== 'string' || conf.ipam.type === '') throw new CniError(CniErrorCode.InvalidNetworkConfig, 'ipam.type: calico needs an IPAM plugin (calico-ipam)');
  return parseCalicoConf(conf, args);
}

const ignoreNotFound = (e: unknown): void => {
  if (!isNotFound(e)) throw e;
};

async function wire(c: CalicoConf, args: CmdArgs, ctx: PluginContext, hostVeth: string, ips: string[]): Promise<string> {
  const podMac = randomMac();
  const hostLines = [...hostLinkLines(hostVeth, args.ifName, args.netns, c.mtu, podMac), ...hostRouteLines(hostVeth, ips)];
  try {
    await nsRun(ctx.hostNetns, 'sh', ['-c', hostScript(hostVeth)], { input: hostLines.join('\n') + '\n' });
  } catch (e) {
    // The pair may be half made (its pod end named like an existing interface): nothing of it stays.
    await nsIp(ctx.hostNetns, ['link', 'del', hostVeth]).catch(() => undefined);
    if (isAlreadyExists(e) && (await getLink(podNsTarget(args.netns), args.ifName))) {
      throw new CniError(CniErrorCode.Internal, `calico: container interface ${args.ifName} already exists in ${args.netns}`);
    }
    throw e;
  }
  try {
    await nsRun(podNsTarget(args.netns), 'sh', ['-c', podScript()], { input: podLines(args.ifName, ips).join('\n') + '\n' });
  } catch (e) {
    await nsIp(ctx.hostNetns, ['link', 'del', hostVeth]).catch(() => undefined);
    throw e;
  }
  return podMac;
}

async function attach(c: CalicoConf, conf: NetConf, args: CmdArgs, ctx: PluginContext, ipam: CniResult | undefined): Promise<CniResult> {
  const ips = ipv4Of(ipam?.ips ?? []);
  if (ips.length === 0) throw new CniError(CniErrorCode.Internal, 'calico: IPAM plugin returned no IPv4 address');
  const hostVeth = hostVethName(args);
  const podMac = await wire(c, args, ctx, hostVeth, ips);
  return {
    cniVersion: conf.cniVersion,
    interfaces: [{ name: hostVeth, mac: HOST_VETH_MAC }, { name: args.ifName, mac: podMac, sandbox: args.netns }],
    ips: ips.map((ip) => ({ address: `${ip}/32`, interface: 1 })),
    routes: [{ dst: '0.0.0.0/0', gw: CALICO_GATEWAY }],
    dns: conf.dns && Object.keys(conf.dns).length > 0 ? conf.dns : {},
  };
}

export const calico: CniPlugin = {
  type: 'calico',
  version: PLUGIN_VERSION_INFO,

  async add(conf, args, ctx) {
    const c = parse(conf, args);
    if (!(await pathExists(args.netns))) throw new CniError(CniErrorCode.InvalidNetns, `calico: failed to open netns ${JSON.stringify(args.netns)}`);
    return addWithIpam(conf, args, ctx, (ipam) => attach(c, conf, args, ctx, ipam));
  },

  async del(conf, args, ctx) {
    parse(conf, args);
    // The pod end first: its peer and the host /32 route go with it; only then may the address be
    // reused. Never the host veth by name: a newer sandbox of the same pod may own that name now.
    if (args.netns && (await pathExists(args.netns))) await nsIp(podNsTarget(args.netns), ['link', 'del', args.ifName]).catch(ignoreNotFound);
    await ctx.ipam('DEL', conf, args, ctx);
  },

  ...ipamDelegatingVerbs(parse, () => true, (_c, prev, args, ctx) => checkCalico(prev, args, ctx.hostNetns)),
};

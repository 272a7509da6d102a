/**
 * IPAM delegation (SPEC.md section 4): the main plugin runs the IPAM plugin named by
 * `ipam.type` with the same environment and the full stdin config, and turns its error JSON
 * into a CniError. Two ways, one contract: exec `<CNI_PATH dir>/<type>` (standalone, and any
 * IPAM plugin podnet does not build in), or an in-process call (the CNI server; see
 * plugins/registry.ts).
 */
import { execPlugin, findInPath } from '../invoke.js';
import type { CmdArgs, CniPlugin, PluginContext } from '../skel.js';
import { CniError, CniErrorCode, type CniResult, type NetConf } from '../types.js';

export type IpamCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

export type IpamDelegate = (command: IpamCommand, conf: NetConf, args: CmdArgs, ctx: PluginContext) => Promise<CniResult | undefined>;

export function ipamType(conf: NetConf): string {
  const t = conf.ipam?.type;
  if (typeof t !== 'string' || t === '' || t.includes('/')) {
    throw new CniError(CniErrorCode.InvalidNetworkConfig, 'ipam.type: missing or invalid');
  }
  return t;
}

/** Exec's the IPAM plugin from CNI_PATH inside the runtime namespace. */
export const execIpam: IpamDelegate = async (command, conf, args, ctx) => {
  const type = ipamType(conf);
  const bin = await findInPath(type, args.path);
  const stdout = await execPlugin({ type, bin, stdin: args.stdinData, env: { ...ctx.env, CNI_COMMAND: command }, netns: ctx.hostNetns });
  if (command !== 'ADD') return undefined;
  try {
    return JSON.parse(stdout) as CniResult;
  } catch (e) {
    throw new CniError(CniErrorCode.DecodingFailure, `${type}: cannot decode IPAM result`, (e as Error).message);
  }
};

/**
 * ADD through IPAM: allocate, hand the result to `attach`, and release the allocation again if
 * attach fails, so a failed ADD never leaks its IP (the reference bridge and ptp both do this).
 * Without `useIpam` (bridge with no ipam section) attach gets undefined and nothing is released.
 */
export async function addWithIpam<T>(conf: NetConf, args: CmdArgs, ctx: PluginContext, attach: (ipam: CniResult | undefined) => Promise<T>, useIpam = true): Promise<T> {
  const ipam = useIpam ? await ctx.ipam('ADD', conf, args, ctx) : undefined;
  try {
    return await attach(ipam);
  } catch (e) {
    if (useIpam) await ctx.ipam('DEL', conf, args, ctx).catch(() => undefined);
    throw e;
  }
}

/**
 * CHECK, GC and STATUS of a main plugin that delegates IPAM (bridge, ptp, calico): CHECK needs
 * prevResult, asks IPAM first, then checks the pod's own wiring; GC and STATUS are IPAM's alone,
 * since pod interfaces go with their netns and the host side is made on demand.
 * `parse` validates the config and says whether it has an ipam section (bridge may not).
 */
export function ipamDelegatingVerbs<C>(
  parse: (conf: NetConf, args: CmdArgs) => C,
  usesIpam: (c: C) => boolean,
  checkPod: (c: C, prevResult: CniResult, args: CmdArgs, ctx: PluginContext) => Promise<void>,
): Pick<Required<CniPlugin>, 'check' | 'gc' | 'status'> {
  return {
    async check(conf, args, ctx) {
      const c = parse(conf, args);
      if (!conf.prevResult) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'prevResult: Required prevResult missing');
      if (usesIpam(c)) await ctx.ipam('CHECK', conf, args, ctx);
      await checkPod(c, conf.prevResult, args, ctx);
    },
    async gc(conf, args, ctx) {
      if (usesIpam(parse(conf, args))) await ctx.ipam('GC', conf, args, ctx);
    },
    async status(conf, args, ctx) {
      if (usesIpam(parse(conf, args))) await ctx.ipam('STATUS', conf, args, ctx);
    },
  };
}

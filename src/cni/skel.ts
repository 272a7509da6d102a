/**
 * The plugin skeleton (libcni's pkg/skel, as facts): reads CNI_* variables and the stdin
 * config, checks them with the spec's error codes (4 invalid env var, 6 decode failure,
 * 1 incompatible version), dispatches to the plugin, and renders the result or error JSON.
 * The same function serves a standalone process and the CNI server.
 */
import type { Client } from '../client/client.js';
import type { IpamDelegate } from './ipam/delegate.js';
import { CniError, CniErrorCode, type CniResult, type NetConf, asCniError } from './types.js';
import { type VersionInfo, compareVersions, convertResult, requireSupported } from './version.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';

export interface CmdArgs {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS as parsed pairs, in order. */
  args: Array<[string, string]>;
  argsRaw: string;
  path: string[];
  stdinData: string;
}

/** Where the plugin runs and how it reaches its IPAM plugin. */
export interface PluginContext {
  /** The runtime's netns name (delegated mode); undefined = the namespace this process is in. */
  hostNetns?: string;
  /** Environment handed to an exec'd delegate (defaults to this process's). */
  env: Record<string, string | undefined>;
  ipam: IpamDelegate;
  /** The API client of the process serving the call (the agent's): calico-ipam uses it instead of a kubeconfig. */
  apiClient?: Client;
}

export interface CniPlugin {
  type: string;
  /** The VERSION answer: the spec versions this plugin speaks. */
  version: VersionInfo;
  add(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<CniResult>;
  del(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<void>;
  check(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<void>;
  /** Spec 1.1.0 GC: release everything not in `cni.dev/valid-attachments`; absent = nothing to collect. */
  gc?(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<void>;
  /** Spec 1.1.0 STATUS: throw (code 50/51) when not ready for ADD; absent = always ready. */
  status?(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<void>;
}

export interface Attachment {
  containerID: string;
  ifname: string;
}

/** The `cni.dev/valid-attachments` list a GC call carries; errors name the field (code 7). */
export function validAttachments(conf: NetConf): Attachment[] {
  const raw = conf['cni.dev/valid-attachments'] ?? [];
  if (!Array.isArray(raw)) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'cni.dev/valid-attachments: must be a list');
  return raw.map((a: unknown, i) => {
    const x = a as Partial<Attachment> | null;
    if (typeof x?.containerID !== 'string' || typeof x.ifname !== 'string') {
      throw new CniError(CniErrorCode.InvalidNetworkConfig, `cni.dev/valid-attachments[${i}]: needs containerID and ifname`);
    }
    return { containerID: x.containerID, ifname: x.ifname };
  });
}

const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];
const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_COMMAND', 'CNI_PATH'],
  STATUS: ['CNI_COMMAND'],
  VERSION: ['CNI_COMMAND'],
};
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const badEnv = (msg: string): CniError => new CniError(CniErrorCode.InvalidEnvironmentVariables, msg);

/** Parses `K=V;K=V` (CNI_ARGS); an empty string gives no pairs. */
export function parseCniArgs(raw: string): Array<[string, string]> {
  if (raw === '') return [];
  return raw.split(';').map((pair) => {
    const kv = pair.split('=');
    if (kv.length !== 2 || kv[0] === '') throw badEnv(`CNI_ARGS: invalid pair ${JSON.stringify(pair)}`);
    return [kv[0], kv[1]];
  });
}

/** Rejects keys a plugin does not know unless IgnoreUnknown is set (as pkg/types LoadArgs). */
export function checkKnownArgs(args: ReadonlyArray<[string, string]>, known: readonly string[]): void {
  const ignore = args.some(([k, v]) => k === 'IgnoreUnknown' && /^(1|true)$/i.test(v));
  const unknown = args.filter(([k]) => k !== 'IgnoreUnknown' && !known.includes(k)).map(([k]) => k);
  if (!ignore && unknown.length > 0) throw badEnv(`CNI_ARGS: unknown args ${JSON.stringify(unknown)}`);
}

function validateIfName(name: string): void {
  if (name.length > 15 || name === '.' || name === '..' || /[\s/:]/.test(name)) {
    throw badEnv(`CNI_IFNAME: invalid interface name ${JSON.stringify(name)}`);
  }
}

/** Reads and checks the CNI_* variables for the command they name. */
export function parseEnv(env: Record<string, string | undefined>, stdinData = ''): CmdArgs {
  const command = env.CNI_COMMAND ?? '';
  if (command === '') throw badEnv('required env variables [CNI_COMMAND] missing');
  if (!COMMANDS.includes(command as CniCommand)) throw badEnv(`unknown CNI_COMMAND: ${command}`);
  const missing = REQUIRED[command as CniCommand].filter((k) => !env[k]);
  if (missing.length > 0) throw badEnv(`required env variables [${missing.join(',')}] missing`);
  const containerId = env.CNI_CONTAINERID ?? '';
  if (containerId !== '' && !CONTAINER_ID.test(containerId)) {
    throw badEnv(`CNI_CONTAINERID: invalid characters in ${JSON.stringify(containerId)}`);
  }
  const ifName = env.CNI_IFNAME ?? '';
  if (ifName !== '') validateIfName(ifName);
  const argsRaw = env.CNI_ARGS ?? '';
  return {
    command: command as CniCommand,
    containerId,
    netns: env.CNI_NETNS ?? '',
    ifName,
    args: parseCniArgs(argsRaw),
    argsRaw,
    path: (env.CNI_PATH ?? '').split(':').filter(Boolean),
    stdinData,
  };
}

export function decodeConf(stdinData: string): NetConf {
  let conf: unknown;
  try {
    conf = JSON.parse(stdinData);
  } catch (e) {
    throw new CniError(CniErrorCode.DecodingFailure, 'error unmarshall network config', (e as Error).message);
  }
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) {
    throw new CniError(CniErrorCode.DecodingFailure, 'error unmarshall network config', 'not a JSON object');
  }
  return conf as NetConf;
}

export interface PluginOutput {
  /** 0 on success. */
  exitCode: number;
  /** What goes to stdout: the result, the version info, the error JSON, or nothing. */
  stdout: string;
}

/** GC and STATUS exist from spec 1.1.0: an older config gets code 1, as libcni's skel answers. */
function requireVersion(plugin: CniPlugin, command: string, version: string): void {
  if (compareVersions(version, '1.1.0') < 0) {
    throw new CniError(CniErrorCode.IncompatibleVersion, `${plugin.type}: ${command} needs cniVersion 1.1.0 or later, config is ${version}`);
  }
}

async function dispatch(plugin: CniPlugin, args: CmdArgs, ctx: PluginContext): Promise<string> {
  if (args.command === 'VERSION') {
    return JSON.stringify(plugin.version);
  }
  const conf = decodeConf(args.stdinData);
  const version = requireSupported(conf.cniVersion, plugin.version);
  switch (args.command) {
    case 'ADD':
      return JSON.stringify(convertResult(await plugin.add(conf, args, ctx), version));
    case 'DEL':
      await plugin.del(conf, args, ctx);
      return '';
    case 'CHECK':
      await plugin.check(conf, args, ctx);
      return '';
    case 'STATUS':
      requireVersion(plugin, 'STATUS', version);
      await plugin.status?.(conf, args, ctx);
      return '';
    case 'GC':
      requireVersion(plugin, 'GC', version);
      await plugin.gc?.(conf, args, ctx);
      return '';
    default:
      throw new CniError(CniErrorCode.UnsupportedField, `${plugin.type}: ${args.command} is not implemented`);
  }
}

/** Runs one plugin invocation end to end; never throws. */
export async function runPlugin(
  plugin: CniPlugin, env: Record<string, string | undefined>, stdinData: string, ctx: PluginContext,
): Promise<PluginOutput> {
  try {
    return { exitCode: 0, stdout: await dispatch(plugin, parseEnv(env, stdinData), ctx) };
  } catch (e) {
    const version = (() => {
      try {
        return String(JSON.parse(stdinData).cniVersion ?? '');
      } catch {
        return '';
      }
    })();
    return { exitCode: 1, stdout: JSON.stringify(asCniError(e).toJSON(version || undefined)) };
  }
}

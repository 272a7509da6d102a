/**
 * Exec'ing a plugin binary (libcni's invoke package, as facts): find `<dir>/<type>` along the
 * plugin path, run it with the CNI_* environment and the config on stdin (inside a netns
 * when asked), read the result from stdout, and turn an error JSON into a CniError.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../dataplane/exec.js';
import { callCniServer, isPodnetShim } from './server-client.js';
import { CniError, CniErrorCode, type CniErrorJson } from './types.js';

/** A plugin's failure as the runtime reports it: the CNI code and msg, plus who failed. */
export class PluginError extends CniError {
  constructor(readonly plugin: string, readonly command: string, code: number, msg: string, details?: string) {
    super(code, msg, details);
    this.name = 'PluginError';
    this.message = `cni: ${plugin} ${command} failed (code ${code}): ${details ? `${msg}: ${details}` : msg}`;
  }
}

/** Drops unset variables (spawn would pass them as the text "undefined"). */
export const cleanEnv = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined));

/** The first executable `<dir>/<type>` along `dirs`. */
export async function findInPath(type: string, dirs: readonly string[]): Promise<string> {
  if (type === '' || type.includes('/')) throw new CniError(CniErrorCode.InvalidNetworkConfig, `type: Invalid plugin type ${JSON.stringify(type)}`);
  for (const d of dirs) {
    const p = join(d, type);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // try the next directory
    }
  }
  throw new CniError(CniErrorCode.InvalidNetworkConfig, `failed to find plugin ${JSON.stringify(type)} in path ${JSON.stringify(dirs)}`);
}

/** Parses a plugin's stdout after a non-zero exit into the error it reports. */
export function pluginFailure(type: string, command: string, stdout: string, stderr: string, exitCode: number | null): PluginError {
  try {
    const e = JSON.parse(stdout) as CniErrorJson;
    if (typeof e.code === 'number' && typeof e.msg === 'string') return new PluginError(type, command, e.code, e.msg, e.details);
  } catch {
    // not JSON: fall through
  }
  const text = (stdout.trim() || stderr.trim() || '(no output)').slice(0, 500);
  return new PluginError(type, command, CniErrorCode.Internal, `exit ${exitCode}`, text);
}

export interface ExecPluginOptions {
  type: string;
  bin: string;
  stdin: string;
  env: Record<string, string | undefined>;
  /** Run the plugin inside this netns (`ip netns exec`). */
  netns?: string;
  /**
   * When `bin` is a podnet shim and PODNET_CNI_SOCKET is set, talk to the socket directly
   * instead of exec'ing `ip netns exec` + sh + curl (same request, same answer).
   */
  direct?: boolean;
}

/** Runs a plugin; resolves with its stdout (possibly empty), throws PluginError on failure. */
export async function execPlugin(o: ExecPluginOptions): Promise<string> {
  const env = cleanEnv(o.env);
  if (o.direct && env.PODNET_CNI_SOCKET && (await isPodnetShim(o.bin))) {
    const answer = await callCniServer(env.PODNET_CNI_SOCKET, o.type, env, o.stdin).catch((e: Error) => {
      throw new PluginError(o.type, env.CNI_COMMAND ?? '', CniErrorCode.TryAgainLater, `podnet cni: cannot reach the CNI server at ${env.PODNET_CNI_SOCKET}`, e.message);
    });
    if (answer.status !== 200) throw pluginFailure(o.type, env.CNI_COMMAND ?? '', answer.body, '', answer.status);
    return answer.body;
  }
  const [cmd, argv] = o.netns ? ['ip', ['netns', 'exec', o.netns, o.bin]] : [o.bin, []];
  const res = await run(cmd, argv, { input: o.stdin, env, allowFailure: true });
  if (res.stderr) process.stderr.write(res.stderr);
  if (res.code !== 0) throw pluginFailure(o.type, env.CNI_COMMAND ?? '', res.stdout, res.stderr, res.code);
  return res.stdout;
}

/**
 * Where a plugin acts. A plugin "runs" in the runtime's namespace (standalone: the one it was
 * exec'd in; delegated: the node's netns name) and reaches into the pod's namespace given by
 * CNI_NETNS. A target is undefined (here), a netns name (`ip -n NAME`, `ip netns exec NAME`),
 * or a path outside /run/netns (`nsenter --net=PATH`).
 */
import { access } from 'node:fs/promises';
import { type RunOptions, run } from '../dataplane/exec.js';

export type NsTarget = string | undefined;

const NAMED = /^\/(?:var\/)?run\/netns\/([^/]+)$/;

/** The target for a CNI_NETNS path: its name when it lives under /run/netns, else the path. */
export function podNsTarget(netnsPath: string): string {
  return NAMED.exec(netnsPath)?.[1] ?? netnsPath;
}

/** The command line that runs `cmd args` in `ns`. */
export function inNs(ns: NsTarget, cmd: string, args: readonly string[]): [string, string[]] {
  if (ns === undefined) return [cmd, [...args]];
  if (ns.startsWith('/')) return ['nsenter', [`--net=${ns}`, cmd, ...args]];
  if (cmd === 'ip') return ['ip', ['-n', ns, ...args]];
  return ['ip', ['netns', 'exec', ns, cmd, ...args]];
}

export async function nsRun(ns: NsTarget, cmd: string, args: readonly string[], opts: RunOptions = {}) {
  const [c, a] = inNs(ns, cmd, args);
  return run(c, a, opts);
}

export async function nsIp(ns: NsTarget, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return (await nsRun(ns, 'ip', args, opts)).stdout;
}

export async function nsIpJson<T>(ns: NsTarget, args: readonly string[]): Promise<T> {
  const out = await nsIp(ns, ['-j', ...args]);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/** `ip -batch -`: one process for many changes. */
export async function nsIpBatch(ns: NsTarget, lines: readonly string[]): Promise<void> {
  if (lines.length > 0) await nsRun(ns, 'ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
}

export async function nsSysctl(ns: NsTarget, settings: Record<string, string | number>): Promise<void> {
  const kv = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  if (kv.length > 0) await nsRun(ns, 'sysctl', ['-q', '-w', ...kv]);
}

/** How `ip link ... netns X` names the namespace `ns` (the current one: our pid). */
export const netnsArg = (ns: NsTarget): string => ns ?? String(process.pid);

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Thin wrappers over the standard tools (ip, nft, sysctl) run in a given network namespace,
 * in batch/transaction form. Tool failures become ToolError; callers test isNotFound /
 * isAlreadyExists instead of matching strings.
 */
import { spawn } from 'node:child_process';

export class ToolError extends Error {
  constructor(
    readonly cmd: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${cmd} ${args.join(' ')}: exit ${exitCode}: ${stderr.trim()}`);
    this.name = 'ToolError';
  }
}

const NOT_FOUND = /No such file or directory|Cannot find device|does not exist|No such process|not found|Object not found|Cannot open network namespace/i;
const EXISTS = /File exists|already exists|Address already assigned/i;

export const isNotFound = (e: unknown): boolean => e instanceof ToolError && NOT_FOUND.test(e.stderr);
export const isAlreadyExists = (e: unknown): boolean => e instanceof ToolError && EXISTS.test(e.stderr);

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; throws ToolError on a non-zero exit unless allowFailure. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new ToolError(cmd, args, null, e.message)));
    child.on('close', (code) => {
      const res = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (code !== 0 && !opts.allowFailure) reject(new ToolError(cmd, args, code, res.stderr || res.stdout));
      else resolve(res);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Arguments prefix that runs a command inside netns `ns` (or the current one when undefined). */
export function inNetns(ns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, [...args]];
}

/** `ip [-n ns] <args>`. */
export async function ip(ns: string | undefined, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const full = ns ? ['-n', ns, ...args] : [...args];
  return (await run('ip', full, opts)).stdout;
}

/** `ip [-n ns] -j <args>` parsed as JSON (empty output gives []). */
export async function ipJson<T = unknown>(ns: string | undefined, args: readonly string[]): Promise<T> {
  const out = await ip(ns, ['-j', ...args]);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/**
 * `ip -batch -` with one command per line; one process for many changes. With `force`, ip
 * keeps going after a failed line (and still exits non-zero).
 */
export async function ipBatch(ns: string | undefined, lines: readonly string[], force = false): Promise<void> {
  if (lines.length === 0) return;
  const args = [...(ns ? ['-n', ns] : []), ...(force ? ['-force'] : []), '-batch', '-'];
  await run('ip', args, { input: lines.join('\n') + '\n' });
}

/** `nft -f -` in netns `ns`: one atomic transaction. */
export async function nftApply(ns: string | undefined, script: string): Promise<void> {
  const [cmd, args] = inNetns(ns, 'nft', ['-f', '-']);
  await run(cmd, args, { input: script });
}

/** `nft <args>` in netns `ns`, returning stdout. */
export async function nft(ns: string | undefined, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const [cmd, full] = inNetns(ns, 'nft', args);
  return (await run(cmd, full, opts)).stdout;
}

/** `sysctl -w k=v ...` in netns `ns`. */
export async function sysctl(ns: string | undefined, settings: Record<string, string | number>): Promise<void> {
  const kv = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  if (kv.length === 0) return;
  const [cmd, args] = inNetns(ns, 'sysctl', ['-q', '-w', ...kv]);
  await run(cmd, args);
}

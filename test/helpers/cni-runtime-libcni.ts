/**
 * The real libcni as a test oracle: builds test/helpers/cni-runtime-libcni.go against Debian's
 * libcni sources (golang-github-appc-cni-dev, GOPATH mode, offline) once into
 * /var/cache/podnet-test, keyed by the source's hash, and runs it like a CNI runtime.
 * Also a recording plugin (python3) that logs what a runtime gives a plugin.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/dataplane/exec.js';
import { REPO } from './cni-fixture.js';

const SOURCE = join(REPO, 'test', 'helpers', 'cni-runtime-libcni.go');
const CACHE = '/var/cache/podnet-test';
const GOPATH = '/usr/share/gocode';
export const LIBCNI_SRC = join(GOPATH, 'src', 'github.com', 'containernetworking', 'cni', 'libcni');

/** The driver binary, built if missing. Throws, naming the package, when Go or libcni is absent. */
export async function libcniRunBinary(): Promise<string> {
  const src = await readFile(SOURCE);
  const bin = join(CACHE, `libcni-run-${createHash('sha256').update(src).digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  if (!existsSync(LIBCNI_SRC)) throw new Error(`libcni sources missing at ${LIBCNI_SRC}: apt-get install golang-github-appc-cni-dev`);
  await mkdir(CACHE, { recursive: true });
  const tmp = `${bin}.tmp${process.pid}`;
  const env = { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(CACHE, 'gocache') };
  const res = await run('go', ['build', '-o', tmp, SOURCE], { env, allowFailure: true }).catch((e: Error) => {
    throw new Error(`cannot run go (apt-get install golang-go): ${e.message}`);
  });
  if (res.code !== 0) throw new Error(`go build of ${SOURCE} failed: ${res.stderr}`);
  await rename(tmp, bin);
  return bin;
}

export interface LibcniCall {
  confDir: string;
  /** libcni's cache dir: entries go to `<cacheDir>/results/`. */
  cacheDir: string;
  containerId: string;
  netns: string;
  ifName: string;
  cniPath: string[];
  /** CNI_ARGS pairs, passed as they are (include IgnoreUnknown yourself). */
  args?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  /** Run inside this netns, as the agent runs plugins in the node's. */
  hostNetns?: string;
  env?: Record<string, string>;
}

export interface LibcniAnswer {
  ok: boolean;
  stdout: string;
  /** ADD's result, or the failure `{error, code}`. */
  json?: Record<string, unknown>;
}

export async function runLibcni(bin: string, command: 'add' | 'check' | 'del', c: LibcniCall): Promise<LibcniAnswer> {
  const argv = [command, c.confDir, c.cacheDir, c.containerId, c.netns, c.ifName];
  const [cmd, full] = c.hostNetns ? ['ip', ['netns', 'exec', c.hostNetns, bin, ...argv]] : [bin, argv];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>), ...c.env, CNI_PATH: c.cniPath.join(':'),
    CNI_ARGS: (c.args ?? []).map(([k, v]) => `${k}=${v}`).join(';'),
    CAP_ARGS: c.capabilityArgs ? JSON.stringify(c.capabilityArgs) : '',
  };
  const res = await run(cmd, full, { env, allowFailure: true });
  const text = res.stdout.trim();
  return { ok: res.code === 0, stdout: res.stdout, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/**
 * A chained plugin `record` that appends `{env: CNI_*, stdin}` as one JSON line to the file
 * named by its config's `log`, and answers ADD with its prevResult (a pass-through); with
 * `failOn: "<COMMAND>"` it fails that command with code 101.
 */
export async function writeRecorderPlugin(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'record');
  await writeFile(path, `#!/usr/bin/python3
import json, os, sys
raw = sys.stdin.read()
conf = json.loads(raw) if raw else {}
cmd = os.environ.get("CNI_COMMAND", "")
if cmd == "VERSION":
    print(json.dumps({"cniVersion": "1.1.0", "supportedVersions": ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]}))
    sys.exit(0)
env = {k: v for k, v in os.environ.items() if k.startswith("CNI_")}
with open(conf["log"], "a") as f:
    f.write(json.dumps({"env": env, "stdin": conf}) + "\\n")
if conf.get("failOn") == cmd:
    print(json.dumps({"cniVersion": conf["cniVersion"], "code": 101, "msg": "record: asked to fail", "details": cmd}))
    sys.exit(1)
if cmd == "ADD":
    print(json.dumps(conf.get("prevResult") or {"cniVersion": conf["cniVersion"]}))
`);
  await chmod(path, 0o755);
}

export interface Recorded {
  env: Record<string, string>;
  stdin: Record<string, unknown>;
}

export async function readRecords(log: string): Promise<Recorded[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded);
}

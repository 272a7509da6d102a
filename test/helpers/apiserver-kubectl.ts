/**
 * Runs the real kubectl against an in-process apiserver: a temp HOME (own discovery cache) and a
 * kubeconfig with the server URL and a bearer token.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../../src/apiserver/server.js';
import { selfSignedCert } from '../../src/apiserver/tls.js';
import { Client } from '../../src/client/client.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';

/** kubectl's HOME for one test cluster (discovery cache, kubeconfig); all are removed at exit. */
const homes = new Set<string>();
function kubectlHome(): string {
  if (homes.size === 0) process.once('exit', () => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
  const home = mkdtempSync(join(tmpdir(), 'podnet-kubectl-'));
  homes.add(home);
  return home;
}


export interface KubectlEnv {
  /** The kubectl binary this environment runs. */
  bin: string;
  home: string;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const KUBECTL = process.env.PODNET_KUBECTL ?? '/usr/bin/kubectl';

/** The kubectl of a minor version (1.27 … 1.33 are installed beside the default 1.32). */
export const kubectlBinary = (minor: string): string => `/usr/lib/google-cloud-sdk/bin/kubectl.${minor}`;

/** The versions the kubectl suites run on: the default (1.32) and 1.29, the oldest the issue names. */
export const KUBECTL_VERSIONS: readonly { minor: string; bin: string }[] = [
  { minor: '1.32', bin: KUBECTL },
  { minor: '1.29', bin: kubectlBinary('1.29') },
];

export interface KubectlEnvOptions {
  /** Default: KUBECTL. */
  bin?: string;
  /** Extra environment (e.g. KUBECTL_REMOTE_COMMAND_WEBSOCKETS). */
  env?: NodeJS.ProcessEnv;
}

export function kubectlEnv(server: string, token?: string, opts: KubectlEnvOptions = {}): KubectlEnv {
  const home = kubectlHome();
  const kubeconfig = join(home, 'kubeconfig');
  const user = token ? `  user:\n    token: ${token}\n` : '  user: {}\n';
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: podnet
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: admin
${user}contexts:
- name: podnet
  context: {cluster: podnet, user: admin, namespace: default}
current-context: podnet
`,
  );
  const env = { ...process.env, ...opts.env, HOME: home, KUBECONFIG: kubeconfig };
  return { bin: opts.bin ?? KUBECTL, home, kubeconfig, env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function kubectl(k: KubectlEnv, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(k.bin, args, { env: k.env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Starts a long-running kubectl (e.g. `get -w`), collecting its stdout. */
export function kubectlStream(k: KubectlEnv, args: string[]): {
  child: ChildProcess;
  output: () => string;
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Kills kubectl and waits for it to exit, so it writes nothing into HOME after cleanup. */
  stop(): Promise<void>;
} {
  const child = spawn(k.bin, args, { env: k.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
    async waitFor(re, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`kubectl ${args.join(' ')}: timed out waiting for ${re}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return out;
    },
  };
}

/** One apiserver (memory store, https + token) and a kubectl of one version, for a describe block. */
export interface KubectlApi {
  server: ApiServer;
  store: Store;
  /** podnet's own client (plain http on the same port), for setting up state and checking it. */
  client: Client;
  k: KubectlEnv;
  close(): Promise<void>;
}

export interface KubectlApiOptions extends KubectlEnvOptions {
  /** Enables pods/log and pods/exec (docs/layout.md state root). */
  stateRoot?: string;
}

export async function startKubectlApi(opts: KubectlApiOptions = {}): Promise<KubectlApi> {
  const store = await openStore({ kind: 'memory' });
  const token = `t${Math.random().toString(36).slice(2, 12)}`;
  const server = await startApiServer({ store, port: 0, token, tls: await selfSignedCert(), stateRoot: opts.stateRoot });
  const client = new Client({ server: `http://127.0.0.1:${server.port}`, token });
  const k = kubectlEnv(server.url, token, opts);
  return {
    server,
    store,
    client,
    k,
    close: async () => {
      client.close();
      await server.close();
      await store.close();
      k.cleanup();
    },
  };
}

/** Runs kubectl and fails the test (with its stderr) unless it exits 0; resolves with stdout. */
export async function kubectlOk(k: KubectlEnv, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(k, args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

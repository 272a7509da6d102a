/**
 * Runs the real kubectl against an in-process apiserver: a temp HOME (own discovery cache) and a
 * kubeconfig with the server URL and a bearer token.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlEnv {
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

export function kubectlEnv(server: string, token?: string): KubectlEnv {
  const home = mkdtempSync(join(tmpdir(), 'podnet-kubectl-'));
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
  const env = { ...process.env, HOME: home, KUBECONFIG: kubeconfig };
  return { home, kubeconfig, env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function kubectl(k: KubectlEnv, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { env: k.env, timeout: 30_000 }, (err, stdout, stderr) => {
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
  const child = spawn(KUBECTL, args, { env: k.env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * The real `podnet controlplane` process (store, apiserver, controllers, bootstrap) on a private
 * state root, without any network namespace: what restart tests kill and start again, and what
 * the API benchmark measures. SQLite by default; an etcd when given its endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type ClusterConfig, newClusterConfig, paths, saveClusterConfig } from '../../src/cluster/config.js';
import { selfSignedCert } from '../../src/apiserver/tls.js';
import { Client } from '../../src/client/client.js';
import { PODNET, uniqueName } from './cluster.js';
import { freePort } from './etcd.js';

export interface ControlPlane {
  readonly cfg: ClusterConfig;
  /** `http://127.0.0.1:<port>` (plain http, as podnet's own components use). */
  readonly url: string;
  /** The running process's pid (undefined when stopped). */
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** Sends `signal` (SIGKILL by default) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  client(): Client;
  log(): string;
  /** Kills the process if running and removes the state root. */
  remove(): Promise<void>;
}

export async function controlPlane(opts: { datastoreEndpoint?: string } = {}): Promise<ControlPlane> {
  const base = mkdtempSync(join(tmpdir(), 'podnet-cp-'));
  const cfg = newClusterConfig(uniqueName('k'), 1, await freePort(), randomBytes(16).toString('hex'));
  cfg.root = join(base, cfg.name);
  if (opts.datastoreEndpoint) cfg.datastoreEndpoint = opts.datastoreEndpoint;
  saveClusterConfig(cfg);
  const tls = await selfSignedCert();
  writeFileSync(paths.apiCert(cfg.root), tls.cert);
  writeFileSync(paths.apiKey(cfg.root), tls.key, { mode: 0o600 });
  const logFile = paths.logFile(cfg.root, 'controlplane');
  let child: ChildProcess | undefined;

  const exited = (c: ChildProcess) =>
    new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  const current = (): ClusterConfig => JSON.parse(readFileSync(paths.config(cfg.root), 'utf8')) as ClusterConfig;
  const self: ControlPlane = {
    cfg,
    get url() {
      return `http://127.0.0.1:${current().apiPort}`;
    },
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async start() {
      const fd = openSync(logFile, 'a');
      child = spawn(process.execPath, [PODNET, 'controlplane', '--name', cfg.name], {
        env: { ...process.env, PODNET_STATE_ROOT: base },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      await waitReady(self, child);
    },
    async kill(signal = 'SIGKILL') {
      if (!child || self.pid === undefined) return;
      const done = exited(child);
      child.kill(signal);
      await done;
    },
    client: () => new Client({ server: self.url, token: cfg.token }),
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    async remove() {
      await self.kill();
      rmSync(base, { recursive: true, force: true });
    },
  };
  process.once('exit', () => {
    if (self.pid !== undefined) child?.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  });
  return self;
}

/** Until the apiserver answers an authenticated request and the bootstrap namespaces exist. */
async function waitReady(cp: ControlPlane, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`controlplane exited (${child.exitCode ?? child.signalCode}):\n${cp.log().slice(-3000)}`);
    }
    const c = cp.client();
    try {
      const ns = await c.list('namespaces');
      if (ns.items.some((n) => n.metadata?.name === 'default')) return;
    } catch {
      // not up yet
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`controlplane not ready after 60 s:\n${cp.log().slice(-3000)}`);
}

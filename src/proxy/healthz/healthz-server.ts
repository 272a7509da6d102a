/**
 * kube-proxy's health server for one node (--healthz-bind-address, default 0.0.0.0:10256): the
 * ProxierHealth state lives with the proxier (in the agent); the HTTP listener is a child process
 * in the node's netns (server-main.ts) sent every state change as a JSON line. A Node informer
 * on this node feeds node eligibility (upstream's NodeEligibleHandler).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KubeObject, Node } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { ProxyHooks } from '../proxier-loop.js';
import { ProxierHealth } from './proxier-health.js';

const MAIN = fileURLToPath(new URL('./server-main.js', import.meta.url));
export const DEFAULT_HEALTHZ_BIND_ADDRESS = '0.0.0.0:10256';

export interface ProxyHealthServerOptions {
  /** Watches this node for eligibility; without a client the node counts as eligible. */
  client?: Client;
  nodeName: string;
  netns: string;
  /** host:port, default 0.0.0.0:10256. */
  bindAddress?: string;
  /** Upstream: 2 × syncPeriod. */
  healthTimeoutMs: number;
}

export interface ProxyHealthServer {
  /** Give these to the proxier (ProxierLoop calls them). */
  readonly hooks: ProxyHooks;
  readonly health: ProxierHealth;
  stop(): Promise<void>;
}

/** Splits `host:port`; the error names the field. */
export function parseBindAddress(value: string, field = 'healthzBindAddress'): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`${field}: Invalid value: "${value}": must be IPv4 host:port, e.g. ${DEFAULT_HEALTHZ_BIND_ADDRESS}`);
  return { host: m[1], port };
}

function spawnServer(netns: string, host: string, port: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, MAIN, host, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    console.error(`proxy healthz ${netns}: ${d.toString().trim()}`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`proxy healthz server in ${netns} exited (${code}) before listening on ${host}:${port}: ${err.trim()}`)));
    child.stdout?.once('data', () => resolve(child));
  });
}

export async function startProxyHealthServer(opts: ProxyHealthServerOptions): Promise<ProxyHealthServer> {
  const { host, port } = parseBindAddress(opts.bindAddress ?? DEFAULT_HEALTHZ_BIND_ADDRESS);
  const child = await spawnServer(opts.netns, host, port);
  const send = (s: object) => {
    if (child.exitCode === null) child.stdin?.write(`${JSON.stringify(s)}\n`);
  };
  const health = new ProxierHealth(opts.healthTimeoutMs, send);
  send(health.snapshot());
  let nodes: Informer<Node & KubeObject> | undefined;
  if (opts.client) {
    nodes = new Informer<Node & KubeObject>(opts.client, 'nodes', { fieldSelector: `metadata.name=${opts.nodeName}` });
    // A deleted node is gone for good: ineligible even if the event carries no deletionTimestamp.
    const gone = (n: Node): Node => ({ ...n, metadata: { ...n.metadata, deletionTimestamp: n.metadata?.deletionTimestamp ?? new Date().toISOString() } });
    nodes.on({ add: (n) => health.syncNode(n), update: (_o, n) => health.syncNode(n), delete: (n) => health.syncNode(gone(n)) });
    await nodes.start().catch(async (e) => {
      child.stdin?.end();
      throw e;
    });
  }
  return {
    hooks: { onQueued: () => health.queuedUpdate(), onUpdated: () => health.updated() },
    health,
    async stop() {
      nodes?.stop();
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

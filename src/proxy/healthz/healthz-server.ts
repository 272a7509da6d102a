/**
 * kube-proxy's health server for one node (--healthz-bind-address, default 0.0.0.0:10256): the
 * ProxierHealth state lives with the proxier (in the agent); the HTTP listener is a child process
 * in the node's netns (server-main.ts) sent every state change as a JSON line. A Node informer
 * on this node feeds node eligibility (upstream's NodeEligibleHandler).
 */
import type { KubeObject, Node } from '../../api/types.js';
import type { Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { ProxyHooks } from '../proxier-loop.js';
import { ProxierHealth } from './proxier-health.js';
import { ServerProcess } from './server-process.js';

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
  /** The listening process (in the node netns); it is restarted if it dies. */
  serverPid(): number | undefined;
  stop(): Promise<void>;
}

/** Splits `host:port`; the error names the field. */
export function parseBindAddress(value: string, field = 'healthzBindAddress'): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`${field}: Invalid value: "${value}": must be IPv4 host:port, e.g. ${DEFAULT_HEALTHZ_BIND_ADDRESS}`);
  return { host: m[1], port };
}

export async function startProxyHealthServer(opts: ProxyHealthServerOptions): Promise<ProxyHealthServer> {
  const { host, port } = parseBindAddress(opts.bindAddress ?? DEFAULT_HEALTHZ_BIND_ADDRESS);
  const server = await ServerProcess.start(opts.netns, host, port);
  const health = new ProxierHealth(opts.healthTimeoutMs, (s) => server.send(s));
  server.send(health.snapshot());
  let nodes: Informer<Node & KubeObject> | undefined;
  if (opts.client) {
    nodes = new Informer<Node & KubeObject>(opts.client, 'nodes', { fieldSelector: `metadata.name=${opts.nodeName}` });
    // A deleted node is gone for good: ineligible even if the event carries no deletionTimestamp.
    const gone = (n: Node): Node => ({ ...n, metadata: { ...n.metadata, deletionTimestamp: n.metadata?.deletionTimestamp ?? new Date().toISOString() } });
    nodes.on({ add: (n) => health.syncNode(n), update: (_o, n) => health.syncNode(n), delete: (n) => health.syncNode(gone(n)) });
    await nodes.start().catch(async (e) => {
      await server.stop();
      throw e;
    });
  }
  return {
    hooks: { onQueued: () => health.queuedUpdate(), onUpdated: () => health.updated() },
    health,
    serverPid: () => server.pid,
    async stop() {
      nodes?.stop();
      await server.stop();
    },
  };
}

/**
 * The CNI server a node agent runs (delegated mode): the thin `bin/cni/*` shims POST the
 * stdin config to `POST /v1/plugins/<type>` over a unix socket, with each CNI_* variable in a
 * `Cni-*` header (`Cni-Command`, `Cni-Containerid`, `Cni-Netns`, `Cni-Ifname`, `Cni-Args`,
 * `Cni-Path`). The answer body is exactly what the plugin would print: 200 with the result
 * (empty for DEL/CHECK), 500 with the CNI error JSON. Plugins act on `hostNetns` (the node's
 * netns name) and call host-local in-process. Saves a Node start (~120 ms) per call.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Client } from '../client/client.js';
import { mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { inProcessIpam, pluginFor } from './plugins/registry.js';
import { CNI_ENV_VARS, headerFor } from './server-client.js';
import { runPlugin } from './skel.js';
import { CniError, CniErrorCode } from './types.js';

export interface CniServerOptions {
  socketPath: string;
  /** The node's netns name: where the plugins "run". */
  hostNetns: string;
  /** Handed to plugins that talk to the API (calico-ipam), so they need no kubeconfig. */
  apiClient?: Client;
}

export interface CniServer {
  close(): Promise<void>;
}


function envFromHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { PATH: process.env.PATH };
  for (const name of CNI_ENV_VARS) {
    const v = req.headers[headerFor(name)];
    if (typeof v === 'string') env[name] = v;
  }
  return env;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse, hostNetns: string, apiClient?: Client): Promise<void> {
  const m = /^\/v1\/plugins\/([A-Za-z0-9._-]+)$/.exec(req.url ?? '');
  const plugin = m ? pluginFor(m[1]) : undefined;
  const body = await readBody(req);
  if (req.method !== 'POST' || !plugin) {
    const err = new CniError(CniErrorCode.InvalidNetworkConfig, `podnet cni server: no plugin at ${req.method} ${req.url}`);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(err.toJSON()));
    return;
  }
  const env = envFromHeaders(req);
  const out = await runPlugin(plugin, env, body, { hostNetns, env, ipam: inProcessIpam, apiClient });
  res.writeHead(out.exitCode === 0 ? 200 : 500, { 'content-type': 'application/json' }).end(out.stdout);
}

/** Listens on `socketPath` (replacing a stale socket file) until close(). */
export async function startCniServer(opts: CniServerOptions): Promise<CniServer> {
  await mkdir(dirname(opts.socketPath), { recursive: true });
  await unlink(opts.socketPath).catch(() => undefined);
  const server = createServer((req, res) => {
    handle(req, res, opts.hostNetns, opts.apiClient).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(new CniError(CniErrorCode.Internal, String((e as Error)?.message ?? e)).toJSON()));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => unlink(opts.socketPath).catch(() => undefined)),
  };
}

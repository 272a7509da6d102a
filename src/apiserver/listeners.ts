/** The apiserver's sockets: TCP (plain http, or http + https on one port) and an optional unix socket. */
import http, { type RequestListener } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { existsSync, unlinkSync } from 'node:fs';
import { type DualServer, createDualServer } from './dual-listener.js';
import type { TLSCert } from './tls.js';

export interface Listeners {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, ...args: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => resolve());
  });
}

/** Handles `Upgrade:` requests (pods/exec over WebSocket); it must answer or destroy the socket. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export async function startListeners(
  handler: RequestListener,
  opts: { host: string; port: number; tls?: TLSCert; socketPath?: string; upgrade?: UpgradeHandler },
): Promise<Listeners> {
  const servers: http.Server[] = [];
  const listeners: net.Server[] = [];
  let dual: DualServer | undefined;
  const close = async (): Promise<void> => {
    for (const s of servers) s.closeAllConnections();
    await dual?.close();
    await Promise.all(listeners.filter((l) => l.listening).map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
    for (const s of servers) s.closeAllConnections();
    if (opts.socketPath && existsSync(opts.socketPath)) unlinkSync(opts.socketPath);
  };
  try {
    let tcp: net.Server;
    if (opts.tls) {
      dual = createDualServer(opts.tls, handler);
      await dual.prepare();
      tcp = dual.tcp;
      servers.push(dual.servers[0]);
    } else {
      tcp = http.createServer(handler);
      servers.push(tcp as http.Server);
    }
    listeners.push(tcp);
    await listen(tcp, opts.port, opts.host);
    if (opts.socketPath) {
      if (existsSync(opts.socketPath)) unlinkSync(opts.socketPath); // a stale socket of a previous run
      const unix = http.createServer(handler);
      servers.push(unix);
      listeners.push(unix);
      await listen(unix, opts.socketPath);
    }
    if (opts.upgrade) for (const s of [...servers, ...(dual?.servers ?? [])]) s.on('upgrade', opts.upgrade);
    return { port: (tcp.address() as net.AddressInfo).port, close };
  } catch (e) {
    await close();
    throw e;
  }
}

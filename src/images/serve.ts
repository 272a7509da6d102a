/**
 * Shared plumbing for the built-in programs: listen, log to stdout, and exit 0 on SIGTERM or
 * SIGINT as a well-behaved container does (so kubelet reports exit code 0, reason Completed).
 */
import type http from 'node:http';
import type net from 'node:net';
import type dgram from 'node:dgram';

export function logLine(line: string): void {
  process.stdout.write(line + '\n');
}

type Closable = http.Server | net.Server | dgram.Socket;

/** Resolves when SIGTERM/SIGINT arrives, after closing `closables`. */
export function untilSignal(closables: Closable[] = []): Promise<void> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      logLine(`caught ${sig}, shutting down`);
      for (const c of closables) {
        if ('closeAllConnections' in c) c.closeAllConnections();
        c.close();
      }
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

function listenOn(server: http.Server | net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ipv6Only: false }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Listens on all addresses at `port`: dual-stack `::` when the namespace has IPv6, else
 * `0.0.0.0`. Rejects on a bind error (EADDRINUSE included).
 */
export async function listen(server: http.Server | net.Server, port: number): Promise<void> {
  try {
    await listenOn(server, port, '::');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw e;
    await listenOn(server, port, '0.0.0.0');
  }
}

export async function serveUntilSignal(server: http.Server, port: number): Promise<void> {
  await listen(server, port);
  logLine(`listening on port ${port}`);
  await untilSignal([server]);
}

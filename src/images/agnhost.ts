/**
 * agnhost, the Kubernetes e2e test image: one binary, many subcommands. podnet implements the
 * ones network tests use: netexec, serve-hostname, pause, connect.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { hostname } from 'node:os';
import { parseFlags } from './flags.js';
import { netexec } from './agnhost-netexec.js';
import { listen, logLine, untilSignal } from './serve.js';
import { pause } from './pause.js';

async function serveHostname(args: string[]): Promise<void> {
  const f = parseFlags('serve-hostname', args, { port: 'number', tcp: 'boolean', udp: 'boolean', http: 'boolean', close: 'boolean', 'exit-after-duration': 'string' }, {
    port: 9376,
    tcp: false,
    udp: false,
    http: true,
  });
  const port = f.port as number;
  if (f.tcp && f.http) throw new Error('serve-hostname: Cannot use --tcp and --http together: both listen on TCP port ' + port);
  const closables: (net.Server | http.Server | dgram.Socket)[] = [];
  if (f.http) {
    const server = http.createServer((_req, res) => res.end(hostname()));
    await listen(server, port);
    closables.push(server);
  }
  if (f.tcp) {
    const server = net.createServer((c) => c.end(hostname()));
    await listen(server, port);
    closables.push(server);
  }
  if (f.udp) {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (_m, r) => sock.send(hostname(), r.port, r.address));
    await new Promise<void>((resolve) => sock.bind(port, resolve));
    closables.push(sock);
  }
  logLine(`Serving on port ${port}.`);
  await untilSignal(closables);
}

/** `agnhost connect host:port`: exits 0 when a TCP connection succeeds, 1 otherwise. */
async function connect(args: string[]): Promise<void> {
  const target = args.find((a) => !a.startsWith('-'));
  if (!target) throw new Error('connect: Missing argument: expected HOST:PORT');
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  await new Promise<void>((resolve) => {
    const sock = net.connect({ host, port, timeout: 5000 });
    sock.on('connect', () => {
      sock.end();
      resolve();
    });
    const fail = (why: string) => {
      process.stderr.write(`TIMEOUT or ERROR: ${why}\n`);
      process.exitCode = 1;
      sock.destroy();
      resolve();
    };
    sock.on('timeout', () => fail('timeout'));
    sock.on('error', (e) => fail(e.message));
  });
}

const SUBCOMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  netexec,
  'serve-hostname': serveHostname,
  pause: () => pause(),
  connect,
};

export async function agnhost(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const fn = sub ? SUBCOMMANDS[sub] : undefined;
  if (!fn) throw new Error(`agnhost: Unknown subcommand "${sub ?? ''}": podnet implements ${Object.keys(SUBCOMMANDS).join(', ')}`);
  await fn(rest);
}

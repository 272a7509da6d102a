/**
 * agnhost netexec: the e2e test server. HTTP on --http-port (/hostname, /clientip, /echo,
 * /healthz, /shell, /exit, /dial, /header) and UDP on --udp-port ("hostname", "echo x",
 * "clientip"), as registry.k8s.io/e2e-test-images/agnhost answers them.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { parseFlags } from './flags.js';
import { listen, logLine, untilSignal } from './serve.js';
import { dial } from './agnhost-dial.js';

/** The UDP answer to one request line, or undefined for an unknown command. */
export function udpAnswer(request: string, client: string, host: string): string | undefined {
  const text = request.trim();
  if (text === 'hostname') return host;
  if (text === 'clientip') return client;
  if (text.startsWith('echo ')) return text.slice(5);
  return undefined;
}

function clientAddr(ip: string | undefined, port: number | undefined): string {
  const addr = (ip ?? '').replace(/^::ffff:/, '');
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

type Handler = (url: URL, req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

const send = (res: http.ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8') => {
  res.writeHead(code, { 'Content-Type': type });
  res.end(body);
};

const ROUTES: Record<string, Handler> = {
  '/': (_u, _r, res) => send(res, 200, `NOW: ${new Date().toISOString()}`),
  '/hostname': (_u, _r, res) => send(res, 200, hostname()),
  '/hostName': (_u, _r, res) => send(res, 200, hostname()),
  '/clientip': (_u, req, res) => send(res, 200, clientAddr(req.socket.remoteAddress, req.socket.remotePort)),
  '/echo': (u, _r, res) => send(res, 200, u.searchParams.get('msg') ?? ''),
  '/healthz': (_u, _r, res) => send(res, 200, ''),
  '/header': (u, req, res) => send(res, 200, String(req.headers[(u.searchParams.get('key') ?? '').toLowerCase()] ?? '')),
  '/shell': (u, _r, res) => {
    execFile('sh', ['-c', u.searchParams.get('cmd') ?? ''], (err, stdout, stderr) => {
      const body = err ? { error: String(err.message), output: stdout + stderr } : { output: stdout };
      send(res, err ? 417 : 200, JSON.stringify(body), 'application/json');
    });
  },
  '/exit': (u, _r, res) => {
    const code = Number(u.searchParams.get('code') ?? '0');
    res.end(() => process.exit(Number.isInteger(code) ? code : 0));
  },
  '/dial': async (u, _r, res) => {
    const out = await dial(u.searchParams);
    send(res, out.code, JSON.stringify(out.body), 'application/json');
  },
};

function httpServer(): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = ROUTES[url.pathname];
    if (!route) return send(res, 404, '404 page not found\n');
    Promise.resolve(route(url, req, res)).catch((e) => send(res, 500, String(e)));
  });
}

function udpServer(port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: 'udp4' });
  sock.on('message', (msg, rinfo) => {
    const answer = udpAnswer(msg.toString('utf8'), clientAddr(rinfo.address, rinfo.port), hostname());
    if (answer !== undefined) sock.send(answer, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, () => resolve(sock));
  });
}

export async function netexec(args: string[]): Promise<void> {
  const f = parseFlags('netexec', args, { 'http-port': 'number', 'udp-port': 'number', 'sctp-port': 'number', 'delay-shutdown': 'number', 'certfile': 'string', 'privkeyfile': 'string' }, {
    'http-port': 8080,
    'udp-port': 8081,
    'sctp-port': -1,
  });
  const server = httpServer();
  await listen(server, f['http-port'] as number);
  logLine(`Started HTTP server on port ${f['http-port']}`);
  const closables: (http.Server | dgram.Socket)[] = [server];
  if ((f['udp-port'] as number) > 0) {
    closables.push(await udpServer(f['udp-port'] as number));
    logLine(`Started UDP server on port ${f['udp-port']}`);
  }
  await untilSignal(closables);
}

/**
 * The web-server images: httpd answers Apache's default page on port 80, nginx its welcome page
 * on port 80, and the Kubernetes bootcamp app its greeting on 8080.
 */
import http from 'node:http';
import { hostname } from 'node:os';
import { logLine, serveUntilSignal } from './serve.js';

export const HTTPD_PAGE = '<html><body><h1>It works!</h1></body></html>\n';

export const NGINX_PAGE = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>
</body>
</html>
`;

/** The bootcamp greeting, as its server.js writes it. */
export function bootcampGreeting(host: string): string {
  return `Hello Kubernetes bootcamp! | Running on: ${host} | v=1\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[23/Nov/2026:17:40:00 +0000]`, the time field of Apache's common log format. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

/** One access-log line in the common log format; the client address as the peer sent it. */
export function accessLogLine(remote: string | undefined, req: Pick<http.IncomingMessage, 'method' | 'url' | 'httpVersion'>, status: number, bytes: number, at = new Date()): string {
  const client = (remote ?? '-').replace(/^::ffff:/, '');
  return `${client} - - ${clfTime(at)} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes}`;
}

function staticServer(body: string, server: string, contentType: string): http.Server {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': contentType, Server: server, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    logLine(accessLogLine(req.socket.remoteAddress, req, 200, Buffer.byteLength(body)));
  });
}

export async function httpd(): Promise<void> {
  logLine('AH00558: httpd: podnet built-in Apache/2.4 image; serving the default page');
  await serveUntilSignal(staticServer(HTTPD_PAGE, 'Apache/2.4.62 (Unix)', 'text/html'), 80);
}

export async function nginx(): Promise<void> {
  logLine('nginx: podnet built-in image; start worker processes');
  await serveUntilSignal(staticServer(NGINX_PAGE, 'nginx/1.27.0', 'text/html'), 80);
}

export async function bootcamp(): Promise<void> {
  const started = Date.now();
  let total = 0;
  const server = http.createServer((_req, res) => {
    total++;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(bootcampGreeting(hostname()));
    const uptime = Math.round((Date.now() - started) / 1000);
    logLine(`Running On: ${hostname()} | Total Requests: ${total} | App Uptime: ${uptime} seconds | Log Time: ${new Date().toString()}`);
  });
  logLine('Kubernetes Bootcamp App Started At: ' + new Date().toString() + ' | Running On:  ' + hostname());
  await serveUntilSignal(server, 8080);
}

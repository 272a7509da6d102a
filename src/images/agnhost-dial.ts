/**
 * netexec's /dial: from this pod, send `request` to host:port over http or udp `tries` times
 * and report the answers, as the e2e networking tests use it to probe pod-to-pod paths.
 */
import dgram from 'node:dgram';
import http from 'node:http';

export interface DialOutput {
  code: number;
  body: { responses?: string[]; errors?: string[] };
}

function httpOnce(host: string, port: number, request: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: `/${request.replace(/^\//, '')}`, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function udpOnce(host: string, port: number, request: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('reading from udp connection failed: i/o timeout'));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg.toString('utf8').trim());
    });
    sock.send(request, port, host);
  });
}

export async function dial(q: URLSearchParams): Promise<DialOutput> {
  const host = q.get('host') ?? '';
  const port = Number(q.get('port'));
  const protocol = q.get('protocol') ?? 'http';
  const tries = Math.max(1, Number(q.get('tries') ?? '1'));
  const request = q.get('request') ?? 'hostname';
  if (!host || !Number.isInteger(port)) return { code: 400, body: { errors: ['dial: host and port are required'] } };
  const once = protocol === 'udp' ? udpOnce : httpOnce;
  const responses: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < tries; i++) {
    try {
      responses.push(await once(host, port, request, 5000));
    } catch (e) {
      errors.push(String((e as Error).message));
    }
  }
  return { code: 200, body: errors.length > 0 ? { responses, errors } : { responses } };
}

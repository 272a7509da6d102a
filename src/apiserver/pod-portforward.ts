/**
 * pods/portforward (`kubectl port-forward`): the kubelet's `portforward.k8s.io` protocol. Per
 * forwarded connection the client opens two SPDY streams sharing a `requestid` and a `port`
 * header: `data` (the bytes) and `error` (a message if the port cannot be reached). The bytes go
 * to `localhost:<port>` in the pod's network namespace, reached through a small relay process
 * started there with nsenter. SPDY arrives either directly (`Upgrade: SPDY/3.1`, kubectl ≤ 1.30
 * and the fallback) or tunnelled in WebSocket binary messages (subprotocol
 * `SPDY/3.1+portforward.k8s.io`, kubectl ≥ 1.31's default).
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { resourceByPlural } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { authorizeUpgrade, containerPid, rejectUpgrade } from './pod-upgrade.js';
import type { Registry } from './registry.js';
import { type SpdyConnection, type SpdyStream, isSpdyUpgrade, serveSpdy, upgradeToSpdy } from './spdy-server.js';
import { badRequest } from './status.js';

const PORTFORWARD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;
const PROTOCOL = 'portforward.k8s.io';
const TUNNEL_PROTOCOL = `SPDY/3.1+${PROTOCOL}`;
/** The relay: stdin → localhost:<port> → stdout; a connect error goes to stderr, exit 1. */
const RELAY = `const s=require('net').connect(Number(process.argv[1]),'127.0.0.1');s.on('error',(e)=>{process.stderr.write(e.message);process.exit(1)});process.stdin.pipe(s).pipe(process.stdout);`;

export class PodPortForward {
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly reg: Registry,
    private readonly stateRoot: string,
    private readonly token: string | undefined,
  ) {}

  matches(req: IncomingMessage): boolean {
    return PORTFORWARD_PATH.test(new URL(req.url ?? '/', 'http://x').pathname);
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      authorizeUpgrade(req, this.token);
      const pid = await this.podPid(new URL(req.url ?? '/', 'http://x').pathname);
      const conn = isSpdyUpgrade(req) ? upgradeToSpdy(req, socket, head, [PROTOCOL]) : await this.tunnel(req, socket, head);
      servePortForward(conn, pid);
    } catch (e) {
      rejectUpgrade(socket, e);
    }
  }

  /**
   * SPDY framed inside WebSocket binary messages (client-go's tunneling dialer). `ws` refuses
   * the subprotocol name (a `/` is not a token character), so the server takes it out of the
   * request and names it in the 101 itself.
   */
  private tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<SpdyConnection> {
    if (!/^websocket$/i.test(String(req.headers.upgrade ?? ''))) throw badRequest(`unsupported upgrade: ${req.headers.upgrade}`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(TUNNEL_PROTOCOL)) throw badRequest(`unable to upgrade: the client does not speak ${TUNNEL_PROTOCOL}`);
    delete req.headers['sec-websocket-protocol'];
    const named = (headers: string[], r: IncomingMessage): void => void (r === req && headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`));
    this.wss.on('headers', named);
    socket.once('close', () => this.wss.off('headers', named));
    return new Promise((resolve) =>
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.wss.off('headers', named);
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        const conn = serveSpdy(stream, Buffer.alloc(0));
        conn.on('error', () => ws.terminate());
        resolve(conn);
      }),
    );
  }

  /** Port-forward reaches the pod's network namespace: any running container's process will do. */
  private async podPid(path: string): Promise<number> {
    const [, ns, name] = PORTFORWARD_PATH.exec(path)!;
    const pod = (await this.reg.get(resourceByPlural('pods', '')!, decodeURIComponent(ns), decodeURIComponent(name))) as Pod;
    const first = pod.spec?.containers?.[0]?.name ?? '';
    return containerPid(this.stateRoot, pod, first);
  }

  close(): void {
    this.wss.close();
  }
}

/** Pairs each request's error and data streams and relays the data stream into the pod. */
function servePortForward(conn: SpdyConnection, pid: number): void {
  const requests = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  conn.on('stream', (s) => {
    s.respond(200, {});
    s.on('error', () => undefined);
    const id = String(s.headers.requestid ?? '');
    const pair = requests.get(id) ?? {};
    requests.set(id, pair);
    if (s.headers.streamtype === 'error') pair.error = s;
    else if (s.headers.streamtype === 'data') pair.data = s;
    else return void s.end();
    if (s.headers.streamtype === 'data') relay(pid, Number(s.headers.port), s, () => pair.error, () => requests.delete(id));
  });
}

function relay(pid: number, port: number, data: SpdyStream, errorStream: () => SpdyStream | undefined, done: () => void): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    errorStream()?.end(`invalid port: ${data.headers.port}`);
    return void data.end();
  }
  const child = spawn('nsenter', [`--target=${pid}`, '--net', '--', process.execPath, '-e', RELAY, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined);
  data.pipe(child.stdin);
  child.stdout.pipe(data);
  data.on('close', () => child.exitCode === null && child.kill());
  child.on('close', (code) => {
    if (code !== 0) errorStream()?.end(`error forwarding port ${port} to pod: failed to connect to localhost:${port} inside the pod's network namespace: ${stderr.trim()}`);
    else errorStream()?.end();
    done();
  });
}

/**
 * pods/exec over WebSocket, the remotecommand protocol kubectl ≥ 1.30 speaks by default
 * (subprotocol `v5.channel.k8s.io`, also `v4.channel.k8s.io`): each binary message is
 * `[channel][payload]` with 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 resize, and in
 * v5 255 = "close stream <id>". The command runs in the container's namespaces (network, UTS,
 * mount: its resolv.conf, hosts and service account), found from the agent's records under the
 * state root, as pods/log reads the agent's log files.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { resourceByPlural } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { containerDir, pickContainer } from './pod-logs.js';
import type { Registry } from './registry.js';
import { StatusError, badRequest, unauthorized } from './status.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

export class PodExec {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered: Set<string>) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  constructor(
    private readonly reg: Registry,
    private readonly stateRoot: string,
    private readonly token: string | undefined,
  ) {}

  /** Whether `req` is an exec upgrade this handler serves. */
  matches(req: IncomingMessage): boolean {
    return EXEC_PATH.test(new URL(req.url ?? '/', 'http://x').pathname);
  }

  /** Handles an `Upgrade: websocket` request for pods/exec; errors are answered as a Status. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let cmd: { argv: string[]; stdin: boolean };
    try {
      if (this.token && req.headers.authorization !== `Bearer ${this.token}`) throw unauthorized();
      cmd = await this.commandLine(new URL(req.url ?? '/', 'http://x'));
    } catch (e) {
      const st = e instanceof StatusError ? e : badRequest((e as Error).message);
      const body = JSON.stringify(st.toStatus());
      socket.end(`HTTP/1.1 ${st.code} ${st.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, cmd.argv, cmd.stdin));
  }

  /** The argv that runs the requested command inside the container's namespaces. */
  private async commandLine(url: URL): Promise<{ argv: string[]; stdin: boolean }> {
    const [, ns, name] = EXEC_PATH.exec(url.pathname)!;
    const q = url.searchParams;
    const command = q.getAll('command');
    if (command.length === 0) throw badRequest('you must specify at least 1 command');
    const pod = (await this.reg.get(resourceByPlural('pods', '')!, decodeURIComponent(ns), decodeURIComponent(name))) as Pod;
    const container = pickContainer(pod, q.get('container') ?? undefined);
    if (pod.status?.phase !== 'Running') {
      throw badRequest(`unable to upgrade connection: container not found ("${container}")`);
    }
    const dir = containerDir(this.stateRoot, pod, container);
    const pid = dir ? (await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim() : '';
    if (!/^\d+$/.test(pid)) throw badRequest(`unable to upgrade connection: container not found ("${container}")`);
    return { argv: ['nsenter', `--target=${pid}`, '--net', '--uts', '--mount', '--', ...command], stdin: q.get('stdin') === 'true' };
  }

  private run(ws: WebSocket, argv: string[], stdin: boolean): void {
    const v5 = ws.protocol === PROTOCOLS[0];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const send = (channel: number, data: Buffer | string) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    child.stdout.on('data', (d: Buffer) => send(STDOUT, d));
    child.stderr.on('data', (d: Buffer) => send(STDERR, d));
    child.stdin.on('error', () => undefined);
    // Without -i kubectl sends no stdin: the command must see EOF, not wait forever.
    if (!stdin) child.stdin.end();
    ws.on('message', (raw: Buffer) => {
      const msg = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
      if (msg[0] === STDIN) child.stdin.write(msg.subarray(1));
      else if (v5 && msg[0] === CLOSE && msg[1] === STDIN) child.stdin.end();
    });
    ws.on('close', () => child.exitCode === null && child.kill('SIGKILL'));
    child.on('error', (e) => this.finish(ws, send, { status: 'Failure', message: e.message, reason: 'InternalError' }));
    child.on('close', (code, signal) => {
      const exit = code ?? (signal ? 128 : 1);
      this.finish(ws, send, exit === 0 ? { status: 'Success' } : exitStatus(exit));
    });
  }

  private finish(ws: WebSocket, send: (ch: number, d: string) => void, status: Record<string, unknown>): void {
    send(ERROR, JSON.stringify({ metadata: {}, ...status }));
    ws.close(1000);
  }

  close(): void {
    this.wss.close();
  }
}

/** The Status kubectl turns into "command terminated with exit code N" (and its own exit code). */
function exitStatus(code: number): Record<string, unknown> {
  return {
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/**
 * pods/exec: the command runs in the container's namespaces (network, UTS, mount: its
 * resolv.conf, hosts and service account), found from the agent's records under the state root,
 * as pods/log reads the agent's log files. The session travels over WebSocket (exec-websocket.ts)
 * or SPDY/3.1 (exec-spdy.ts), whichever the client's `Upgrade:` asks for.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { resourceByPlural } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { acceptSpdyExec, isSpdyUpgrade } from './exec-spdy.js';
import { type ExecCommand, runExec } from './exec-streams.js';
import { ttyCommand } from './exec-tty.js';
import { WebSocketExec } from './exec-websocket.js';
import { containerDir, pickContainer } from './pod-logs.js';
import type { Registry } from './registry.js';
import { StatusError, badRequest, unauthorized } from './status.js';

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;

export class PodExec {
  private readonly websocket = new WebSocketExec();

  constructor(
    private readonly reg: Registry,
    private readonly stateRoot: string,
    private readonly token: string | undefined,
  ) {}

  /** Whether `req` is an exec upgrade this handler serves. */
  matches(req: IncomingMessage): boolean {
    return EXEC_PATH.test(new URL(req.url ?? '/', 'http://x').pathname);
  }

  /** Handles an `Upgrade: websocket|SPDY/3.1` request for pods/exec; errors are answered as a Status. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (this.token && req.headers.authorization !== `Bearer ${this.token}`) throw unauthorized();
      const cmd = await this.commandLine(url);
      const streams = isSpdyUpgrade(req) ? await acceptSpdyExec(req, socket, head, url.searchParams) : await this.websocket.accept(req, socket, head);
      await runExec(cmd, streams);
    } catch (e) {
      if (!socket.writable) return;
      const st = e instanceof StatusError ? e : badRequest((e as Error).message);
      const body = JSON.stringify(st.toStatus());
      socket.end(`HTTP/1.1 ${st.code} ${st.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }
  }

  /** The argv that runs the requested command inside the container's namespaces. */
  private async commandLine(url: URL): Promise<ExecCommand> {
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
    const tty = q.get('tty') === 'true';
    const enter = ['nsenter', `--target=${pid}`, '--net', '--uts', '--mount', '--'];
    return { argv: (size) => [...enter, ...(tty ? ttyCommand(command, size) : command)], stdin: q.get('stdin') === 'true', tty };
  }

  close(): void {
    this.websocket.close();
  }
}

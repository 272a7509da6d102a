/**
 * pods/exec: the command runs in the container's namespaces (network, UTS, mount: its
 * resolv.conf, hosts and service account), found from the agent's records under the state root,
 * as pods/log reads the agent's log files. The session travels over WebSocket (exec-websocket.ts)
 * or SPDY/3.1 (exec-spdy.ts), whichever the client's `Upgrade:` asks for.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { resourceByPlural } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { acceptSpdyExec } from './exec-spdy.js';
import { type ExecCommand, runExec } from './exec-streams.js';
import { ttyCommand } from './exec-tty.js';
import { WebSocketExec } from './exec-websocket.js';
import { pickContainer } from './pod-logs.js';
import { authorizeUpgrade, containerPid, rejectUpgrade } from './pod-upgrade.js';
import { isSpdyUpgrade } from './spdy-server.js';
import type { Registry } from './registry.js';
import { badRequest } from './status.js';

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
      authorizeUpgrade(req, this.token);
      const cmd = await this.commandLine(url);
      const streams = isSpdyUpgrade(req) ? await acceptSpdyExec(req, socket, head, url.searchParams) : await this.websocket.accept(req, socket, head);
      await runExec(cmd, streams);
    } catch (e) {
      rejectUpgrade(socket, e);
    }
  }

  /** The argv that runs the requested command inside the container's namespaces. */
  private async commandLine(url: URL): Promise<ExecCommand> {
    const [, ns, name] = EXEC_PATH.exec(url.pathname)!;
    const q = url.searchParams;
    const command = q.getAll('command');
    if (command.length === 0) throw badRequest('you must specify at least 1 command');
    const pod = (await this.reg.get(resourceByPlural('pods', '')!, decodeURIComponent(ns), decodeURIComponent(name))) as Pod;
    const pid = await containerPid(this.stateRoot, pod, pickContainer(pod, q.get('container') ?? undefined));
    const tty = q.get('tty') === 'true';
    const enter = ['nsenter', `--target=${pid}`, '--net', '--uts', '--mount', '--'];
    return { argv: (size) => [...enter, ...(tty ? ttyCommand(command, size) : command)], stdin: q.get('stdin') === 'true', tty };
  }

  close(): void {
    this.websocket.close();
  }
}

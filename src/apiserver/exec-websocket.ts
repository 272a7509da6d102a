/**
 * The remotecommand protocol over WebSocket (kubectl ≥ 1.30 by default; 1.29 with
 * KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true): subprotocol `v5.channel.k8s.io` or
 * `v4.channel.k8s.io`; each binary message is `[channel][payload]` with 0 stdin, 1 stdout,
 * 2 stderr, 3 the final Status, 4 resize (`{"Width":..,"Height":..}`), and in v5 255 = "close
 * stream <id>".
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecStreams } from './exec-streams.js';
import { parseResize } from './exec-tty.js';

export const WEBSOCKET_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export class WebSocketExec {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered: Set<string>) => WEBSOCKET_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  /** Completes the upgrade; resolves with the exec's streams. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<ExecStreams> {
    return new Promise((resolve) => this.wss.handleUpgrade(req, socket, head, (ws) => resolve(websocketStreams(ws))));
  }

  close(): void {
    this.wss.close();
  }
}

function websocketStreams(ws: WebSocket): ExecStreams {
  const v5 = ws.protocol === WEBSOCKET_PROTOCOLS[0];
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  };
  return {
    stdout: (d) => send(STDOUT, d),
    stderr: (d) => send(STDERR, d),
    onStdin(data, end) {
      onChannel(ws, (channel, payload) => {
        if (channel === STDIN) data(payload);
        else if (v5 && channel === CLOSE && payload[0] === STDIN) end();
      });
    },
    onResize(cb) {
      onChannel(ws, (channel, payload) => channel === RESIZE && parseResize(payload.toString('utf8')).forEach(cb));
    },
    onGone: (cb) => ws.on('close', cb),
    finish(status) {
      send(ERROR, JSON.stringify({ metadata: {}, ...status }));
      ws.close(1000);
    },
  };
}

function onChannel(ws: WebSocket, cb: (channel: number, payload: Buffer) => void): void {
  ws.on('message', (raw: Buffer) => {
    const msg = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
    cb(msg[0], msg.subarray(1));
  });
}

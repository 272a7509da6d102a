/**
 * The server side of a SPDY/3.1 connection over an upgraded HTTP socket, as client-go's
 * `httpstream/spdy` (moby/spdystream) speaks it for exec and port-forward: the client opens one
 * stream per purpose, naming it in plain headers (`streamtype: stdout`), and waits for each
 * stream's SYN_REPLY. Built on `spdy-transport`, whose parser insists on HTTP-style `:method` /
 * `:path` headers in every SYN_STREAM; spdystream sends none, so this module fills them in for
 * incoming SYN_STREAMs (at runtime, leaving node_modules untouched).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { StatusError } from './status.js';

/** One SPDY stream: a duplex of its data frames, with the headers of its SYN_STREAM. */
export interface SpdyStream extends Duplex {
  headers: Record<string, string>;
  respond(status: number, headers: Record<string, string>, callback?: () => void): void;
}

/** The connection: emits `stream` for every SYN_STREAM the client sends. */
export interface SpdyConnection extends EventEmitter {
  start(version: number): void;
  /** Sends GOAWAY; `close` follows. */
  end(callback?: () => void): void;
  destroyStreams(err?: Error): void;
  on(event: 'stream', listener: (stream: SpdyStream) => void): this;
  on(event: 'error' | 'close', listener: (err?: Error) => void): this;
}

type KVCallback = (err: Error | null, headers?: Record<string, string>) => void;
interface SpdyParser {
  parseKVs(buffer: unknown, callback: KVCallback): void;
  onSynHeadFrame(type: number, flags: number, body: unknown, callback: unknown): void;
}
interface SpdyTransport {
  connection: { create(socket: Duplex, options: { protocol: 'spdy'; isServer: boolean }): SpdyConnection };
  protocol: { spdy: { parser: { create(options: { isServer: boolean }): SpdyParser } } };
}

/** spdy-transport's per-direction flow-control window (window.js `Side`). */
interface WindowSide {
  current: number;
  max: number;
  limit: number;
}
interface ConnectionState {
  window: { send: WindowSide };
  /** The template every new stream's window is cloned from. */
  streamWindow: { send: WindowSide };
}

const SYN_STREAM = 0x01;
const UNLIMITED = 2 ** 52;
let transport: SpdyTransport | undefined;

/** Loads spdy-transport once and lets its parser accept spdystream's SYN_STREAMs. */
function load(): SpdyTransport {
  if (transport) return transport;
  const t = createRequire(import.meta.url)('spdy-transport') as SpdyTransport;
  // The Parser class is not exported: reach its prototype through a throwaway instance.
  const proto = Object.getPrototypeOf(t.protocol.spdy.parser.create({ isServer: true })) as SpdyParser;
  const onSynHeadFrame = proto.onSynHeadFrame;
  proto.onSynHeadFrame = function (this: SpdyParser, type, flags, body, callback) {
    if (type === SYN_STREAM) {
      // onSynHeadFrame calls parseKVs synchronously, once: shadow it for that one call.
      const parseKVs = proto.parseKVs;
      this.parseKVs = function (this: SpdyParser, buffer, cb) {
        delete (this as Partial<SpdyParser>).parseKVs;
        parseKVs.call(this, buffer, (err, headers) => {
          if (headers) {
            headers[':method'] ??= 'POST';
            headers[':path'] ??= '/';
          }
          cb(err, headers);
        });
      };
    }
    onSynHeadFrame.call(this, type, flags, body, callback);
  };
  transport = t;
  return t;
}

/** Starts a SPDY/3.1 server connection on a socket the 101 response has already been written to. */
export function serveSpdy(socket: Duplex, head: Buffer): SpdyConnection {
  if (head.length) socket.unshift(head);
  const conn = load().connection.create(socket, { protocol: 'spdy', isServer: true });
  disableSendFlowControl(conn);
  conn.start(3.1);
  return conn;
}

/**
 * spdystream, client-go's SPDY, implements no flow control: it never sends WINDOW_UPDATE (and
 * the kubelet's side never waits for one). Honouring SPDY windows would stall every stream after
 * its first 64 KiB, so the sending windows are made unlimited, for the connection and for every
 * stream (cloned from streamWindow when the client opens it).
 */
function disableSendFlowControl(conn: SpdyConnection): void {
  const state = (conn as unknown as { _spdyState: ConnectionState })._spdyState;
  for (const side of [state.window.send, state.streamWindow.send]) {
    side.current = UNLIMITED;
    side.max = UNLIMITED;
    side.limit = Infinity;
  }
}

/** Whether a request asks for the SPDY upgrade. */
export const isSpdyUpgrade = (req: IncomingMessage): boolean => /^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? '').trim());

/** The first of the client's `X-Stream-Protocol-Version`s the server speaks; 403 as upstream's httpstream.Handshake otherwise. */
function negotiate(req: IncomingMessage, supported: readonly string[]): string {
  const raw = req.headers['x-stream-protocol-version'];
  const offered = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
  const chosen = offered.find((p) => supported.includes(p));
  if (!chosen) {
    throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${supported.join(' ')}]`);
  }
  return chosen;
}

/**
 * Answers `101 Switching Protocols` with the negotiated stream protocol and serves SPDY on the
 * socket. Throws a StatusError (before anything is written) when no protocol matches.
 */
export function upgradeToSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, supported: readonly string[]): SpdyConnection {
  const version = negotiate(req, supported);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${version}\r\n\r\n`);
  const conn = serveSpdy(socket, head);
  conn.on('error', () => socket.destroy());
  socket.on('error', () => socket.destroy());
  return conn;
}

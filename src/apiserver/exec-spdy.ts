/**
 * The remotecommand protocol over SPDY/3.1 (kubectl ≤ 1.29 by default, and newer ones when the
 * WebSocket upgrade fails): `POST .../exec` with `Upgrade: SPDY/3.1` and the versions the client
 * speaks in `X-Stream-Protocol-Version`; after `101`, the client opens one SPDY stream per
 * `streamtype` (error, stdin, stdout, stderr, resize). podnet speaks `v4.channel.k8s.io`: the
 * final Status is JSON on the error stream.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecStreams } from './exec-streams.js';
import { parseResize } from './exec-tty.js';
import { type SpdyConnection, type SpdyStream, upgradeToSpdy } from './spdy-server.js';

export const SPDY_PROTOCOLS = ['v4.channel.k8s.io'];
const STREAMS_TIMEOUT_MS = 30_000;


/** The streams the client will open, from the exec query (as the kubelet counts them). */
function expectedStreams(q: URLSearchParams): string[] {
  const on = (k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';
  const tty = on('tty');
  return ['error', ...(on('stdin') ? ['stdin'] : []), ...(on('stdout') ? ['stdout'] : []), ...(on('stderr') && !tty ? ['stderr'] : []), ...(tty ? ['resize'] : [])];
}

/**
 * Answers 101, serves SPDY, and resolves once the client has opened every stream the query
 * implies. Throws a StatusError (before anything is written) when no protocol matches.
 */
export async function acceptSpdyExec(req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams): Promise<ExecStreams> {
  const conn = upgradeToSpdy(req, socket, head, SPDY_PROTOCOLS);
  const streams = await collectStreams(conn, expectedStreams(q)).catch((e: Error) => {
    socket.destroy();
    throw e;
  });
  return spdyStreams(conn, socket, streams);
}

function collectStreams(conn: SpdyConnection, expected: string[]): Promise<Map<string, SpdyStream>> {
  return new Promise((resolve, reject) => {
    const got = new Map<string, SpdyStream>();
    const timer = setTimeout(() => reject(new Error(`exec: timed out waiting for streams [${expected.join(' ')}]; got [${[...got.keys()].join(' ')}]`)), STREAMS_TIMEOUT_MS);
    conn.on('stream', (s) => {
      s.respond(200, {});
      s.on('error', () => undefined);
      got.set(String(s.headers.streamtype ?? ''), s);
      if (expected.every((t) => got.has(t))) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    conn.on('close', () => {
      clearTimeout(timer);
      reject(new Error('exec: the client closed the connection before opening its streams'));
    });
  });
}

function spdyStreams(conn: SpdyConnection, socket: Duplex, streams: Map<string, SpdyStream>): ExecStreams {
  const write = (type: string, d: Buffer): void => void streams.get(type)?.write(d);
  // Streams the client only reads from still deliver its FIN: drain them.
  for (const [type, s] of streams) if (type !== 'stdin' && type !== 'resize') s.resume();
  return {
    stdout: (d) => write('stdout', d),
    stderr: (d) => write('stderr', d),
    onStdin(data, end) {
      const stdin = streams.get('stdin');
      stdin?.on('data', data);
      stdin?.on('end', end);
    },
    onResize(cb) {
      const resize = streams.get('resize');
      resize?.on('data', (d: Buffer) => parseResize(d.toString('utf8')).forEach(cb));
    },
    onGone: (cb) => socket.on('close', cb),
    async finish(status) {
      // stdout and stderr go first, whole: their frames may still wait for flow-control windows.
      await Promise.all(['stdout', 'stderr', 'resize', 'stdin'].map((t) => endStream(streams.get(t))));
      streams.get('error')?.end(JSON.stringify({ metadata: {}, ...status }), () => {
        conn.end();
        setTimeout(() => socket.end(), 100).unref();
      });
    },
  };
}

/** Ends a stream, resolving once its data has been handed to the connection (or it failed). */
function endStream(s: SpdyStream | undefined): Promise<void> {
  if (!s || s.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    s.once('finish', resolve).once('error', () => resolve()).once('close', resolve);
    s.end();
  });
}

/**
 * One TCP port serving both https and plain http: the first byte of a connection tells them
 * apart (0x16 opens a TLS handshake). kubectl needs https to send its token, while podnet's own
 * components can keep talking plain http to the same address. TLS connections are relayed to an
 * internal https server on loopback, because a TLS socket cannot take over bytes already read.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const TLS_HANDSHAKE = 0x16;

export interface DualServer {
  tcp: net.Server;
  servers: http.Server[];
  /** Starts the internal https server; call before tcp.listen. */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

export function createDualServer(tls: { cert: string; key: string }, handler: http.RequestListener): DualServer {
  const plain = http.createServer(handler);
  const secure = https.createServer({ cert: tls.cert, key: tls.key }, handler);
  const relays = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      if (first[0] !== TLS_HANDSHAKE) {
        socket.pause();
        socket.unshift(first);
        plain.emit('connection', socket);
        socket.resume();
        return;
      }
      const up = net.connect((secure.address() as net.AddressInfo).port, '127.0.0.1');
      relays.add(socket).add(up);
      const drop = (): void => {
        socket.destroy();
        up.destroy();
        relays.delete(socket);
        relays.delete(up);
      };
      up.on('error', drop);
      // The server side closing is not the client going away: what the pipe still buffers for
      // the client must reach it (pipe ends the socket once flushed). Destroying here cut the
      // tail of responses whose connection closes right after them (exec sessions, under load).
      up.on('close', () => {
        socket.end();
        relays.delete(up);
      });
      socket.on('close', drop);
      up.write(first);
      socket.pipe(up).pipe(socket);
    });
  });
  return {
    tcp,
    servers: [plain, secure],
    prepare: () => new Promise((resolve, reject) => secure.once('error', reject).listen(0, '127.0.0.1', () => resolve())),
    close: async () => {
      for (const s of relays) s.destroy();
      secure.closeAllConnections();
      await new Promise<void>((resolve) => secure.close(() => resolve()));
    },
  };
}

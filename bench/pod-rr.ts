/**
 * A TCP request/response ping-pong (netperf TCP_RR's idea): one connection, one byte each way
 * per transaction, Nagle off, so each transaction costs one round trip through the path.
 *   node dist/bench/pod-rr.js server <port>              prints "listening" once ready
 *   node dist/bench/pod-rr.js client <host> <port> <s>   prints {transactions, perSec, p50Us, p99Us}
 * Run inside a netns with `ip netns exec`; both ends are the same Node program, so its own
 * per-transaction cost is the same on every path compared.
 */
import { createConnection, createServer } from 'node:net';

function server(port: number): void {
  const srv = createServer((sock) => {
    sock.setNoDelay(true);
    sock.on('data', (d) => sock.write(d));
    sock.on('error', () => sock.destroy());
  });
  srv.listen(port, '0.0.0.0', () => console.log('listening'));
}

function client(host: string, port: number, seconds: number): void {
  const rtts: number[] = [];
  const sock = createConnection({ host, port }, () => {
    sock.setNoDelay(true);
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    let sent = process.hrtime.bigint();
    sock.on('data', () => {
      const now = process.hrtime.bigint();
      rtts.push(Number(now - sent) / 1000);
      if (now >= end) {
        sock.end();
        return report(rtts, seconds);
      }
      sent = process.hrtime.bigint();
      sock.write('x');
    });
    sock.write('x');
  });
  sock.on('error', (e) => {
    console.error(`pod-rr: connection to ${host}:${port} failed: ${e.message}`);
    process.exitCode = 1;
  });
}

function report(rtts: number[], seconds: number): void {
  const s = [...rtts].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  console.log(JSON.stringify({ transactions: s.length, perSec: s.length / seconds, p50Us: at(0.5), p99Us: at(0.99) }));
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'server') server(Number(rest[0]));
else if (mode === 'client') client(rest[0], Number(rest[1]), Number(rest[2]));
else {
  console.error('usage: pod-rr.js server <port> | client <host> <port> <seconds>');
  process.exitCode = 2;
}

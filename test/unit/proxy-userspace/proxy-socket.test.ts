/**
 * The proxy sockets on loopback (real sockets, no namespace needed): TCP forwarding and retry
 * past a dead endpoint, UDP per-client backends and their idle timeout, and the socket
 * process's sync opening and closing listeners.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { LoadBalancerRR } from '../../../src/proxy/userspace/load-balancer.js';
import { openTcpProxySocket } from '../../../src/proxy/userspace/proxy-socket.js';
import { openUdpProxySocket } from '../../../src/proxy/userspace/udp-proxy-socket.js';
import { SocketProcess } from '../../../src/proxy/userspace/socket-process.js';

const closers: (() => void)[] = [];
after(() => closers.forEach((c) => c()));

async function tcpServer(reply: string): Promise<number> {
  const s = net.createServer((c) => c.end(reply));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => s.close());
  return (s.address() as net.AddressInfo).port;
}

/** A port nobody listens on (bound then closed): connecting is refused. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function fetchTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    net.connect(port, '127.0.0.1').on('data', (d) => chunks.push(d)).on('end', () => resolve(Buffer.concat(chunks).toString())).on('error', reject);
  });
}

test('TCP: connections are forwarded round robin', async () => {
  const lb = new LoadBalancerRR({ now: Date.now, random: () => 0.999 });
  lb.update('k', [`127.0.0.1:${await tcpServer('a')}`, `127.0.0.1:${await tcpServer('b')}`], 0);
  const sock = await openTcpProxySocket(lb, 'k');
  closers.push(() => sock.close());
  assert.deepEqual([await fetchTcp(sock.port), await fetchTcp(sock.port), await fetchTcp(sock.port)], ['a', 'b', 'a']);
});

test('TCP: a refused endpoint is skipped by the retry', async () => {
  const lb = new LoadBalancerRR({ now: Date.now, random: () => 0.999 });
  lb.update('k', [`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await tcpServer('live')}`], 0);
  const sock = await openTcpProxySocket(lb, 'k');
  closers.push(() => sock.close());
  for (let i = 0; i < 4; i++) assert.equal(await fetchTcp(sock.port), 'live');
});

function udpServer(): Promise<{ port: number; sources: number[] }> {
  const s = dgram.createSocket('udp4');
  const sources: number[] = [];
  s.on('message', (m, r) => {
    sources.push(r.port);
    s.send(`re ${m}`, r.port, r.address);
  });
  closers.push(() => s.close());
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve({ port: s.address().port, sources })));
}

async function udpAsk(client: dgram.Socket, port: number, msg: string): Promise<string> {
  const reply = new Promise<string>((r) => client.once('message', (m) => r(String(m))));
  client.send(msg, port, '127.0.0.1');
  return reply;
}

test('UDP: one backend per client, replaced after the idle timeout', async () => {
  const server = await udpServer();
  const lb = new LoadBalancerRR();
  lb.update('u', [`127.0.0.1:${server.port}`], 0);
  const sock = await openUdpProxySocket(lb, 'u', 400);
  closers.push(() => sock.close());
  const client = dgram.createSocket('udp4');
  closers.push(() => client.close());
  assert.equal(await udpAsk(client, sock.port, 'one'), 're one');
  assert.equal(await udpAsk(client, sock.port, 'two'), 're two');
  assert.equal(server.sources[0], server.sources[1], 'same backend socket within the idle timeout');
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(await udpAsk(client, sock.port, 'three'), 're three');
  assert.notEqual(server.sources[2], server.sources[0], 'a new backend socket after the idle timeout');
});

test('SocketProcess.sync keeps a port while the service port exists and closes it when gone', async () => {
  const proc = new SocketProcess(250);
  closers.push(() => proc.close());
  const ep = `127.0.0.1:${await tcpServer('x')}`;
  const first = (await proc.sync([{ key: 'a', protocol: 'tcp', endpoints: [ep], stickyMaxAgeSeconds: 0 }])).proxyPorts;
  const again = (await proc.sync([{ key: 'a', protocol: 'tcp', endpoints: [ep], stickyMaxAgeSeconds: 0 }, { key: 'b', protocol: 'udp', endpoints: [], stickyMaxAgeSeconds: 0 }])).proxyPorts;
  assert.equal(again.a, first.a);
  assert.ok(again.b > 0);
  assert.equal(await fetchTcp(first.a), 'x');
  await proc.sync([]);
  await assert.rejects(fetchTcp(first.a), /ECONNREFUSED/);
});

test("UDP: a sync that removes a client's endpoint sends its next datagram to a live one", async () => {
  const [a, b] = [await udpServer(), await udpServer()];
  const lb = new LoadBalancerRR({ now: Date.now, random: () => 0.999 });
  lb.update('u', [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], 0);
  const sock = await openUdpProxySocket(lb, 'u', 60_000);
  closers.push(() => sock.close());
  const client = dgram.createSocket('udp4');
  closers.push(() => client.close());
  await udpAsk(client, sock.port, 'one');
  await udpAsk(client, sock.port, 'two');
  assert.deepEqual([a.sources.length, b.sources.length], [2, 0], 'the client sticks to its "connection"');
  lb.update('u', [`127.0.0.1:${b.port}`], 0);
  sock.endpointsChanged?.(new Set([`127.0.0.1:${b.port}`]));
  assert.equal(sock.activeClients().size, 0);
  await udpAsk(client, sock.port, 'three');
  assert.deepEqual([a.sources.length, b.sources.length], [2, 1], 'the removed endpoint (still up) gets nothing more');
});

test('UDP: an endpoint answering port unreachable is left; the next datagram goes to another', async () => {
  const live = await udpServer();
  const dead = await closedPort();
  const lb = new LoadBalancerRR({ now: Date.now, random: () => 0.999 });
  lb.update('u', [`127.0.0.1:${dead}`, `127.0.0.1:${live.port}`], 0);
  const sock = await openUdpProxySocket(lb, 'u', 60_000);
  closers.push(() => sock.close());
  const client = dgram.createSocket('udp4');
  closers.push(() => client.close());
  client.send('lost', sock.port, '127.0.0.1');
  // The ICMP error ends the client's "connection" (upstream: proxyClient's read fails), so a
  // later datagram of the same client ip:port reaches the live endpoint.
  const deadline = Date.now() + 5000;
  let answer: string | undefined;
  while (!answer && Date.now() < deadline) {
    answer = await Promise.race([udpAsk(client, sock.port, 'again'), new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
  }
  assert.equal(answer, 're again');
  assert.deepEqual([...sock.activeClients().values()], [`127.0.0.1:${live.port}`]);
});

test('SocketProcess holds a node port that serves too, and reports one it cannot take', async () => {
  const proc = new SocketProcess(250);
  closers.push(() => proc.close());
  const nodePort = await closedPort();
  const ep = `127.0.0.1:${await tcpServer('np')}`;
  const r = await proc.sync([{ key: 'a', protocol: 'tcp', endpoints: [ep], stickyMaxAgeSeconds: 0, nodePort }]);
  assert.deepEqual(r.nodePortErrors, {});
  assert.equal(await fetchTcp(nodePort), 'np');
  const taken = net.createServer();
  await new Promise<void>((res) => taken.listen(0, '0.0.0.0', res));
  closers.push(() => taken.close());
  const busy = (taken.address() as net.AddressInfo).port;
  const r2 = await proc.sync([{ key: 'a', protocol: 'tcp', endpoints: [ep], stickyMaxAgeSeconds: 0, nodePort: busy }]);
  assert.match(r2.nodePortErrors.a, new RegExp(`Cannot open node port ${busy}/tcp: .*EADDRINUSE`));
  assert.equal(r2.proxyPorts.a, r.proxyPorts.a, 'the service port itself still works');
  await assert.rejects(fetchTcp(nodePort), /ECONNREFUSED/, 'the old node port was released');
});

test('TCP: a service port without endpoints accepts, then closes at once', async () => {
  const lb = new LoadBalancerRR();
  lb.update('empty', [], 0);
  const sock = await openTcpProxySocket(lb, 'empty');
  closers.push(() => sock.close());
  const t0 = Date.now();
  const got = await fetchTcp(sock.port).then((b) => `closed:${b}`, (e: NodeJS.ErrnoException) => `error:${e.code}`);
  assert.match(got, /^(closed:|error:ECONNRESET)$/);
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
});

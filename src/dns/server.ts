/**
 * The DNS transport: the same handler over UDP and TCP (RFC 1035 4.2; TCP messages carry a
 * 2-byte length). A UDP answer larger than the client's buffer (512 bytes, or its EDNS size) is
 * sent truncated (TC) so the client retries over TCP.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, OptAnswer, Packet } from 'dns-packet';
import type { Client } from '../client/client.js';
import { DnsController } from './dns-controller.js';
import { type HandlerConfig, RCODE, serveDns } from './handler.js';
import { roundRobin } from './loadbalance.js';
import { DnsMetrics } from './metrics.js';
import type { DnsLookup } from './records.js';

export interface DnsServerOptions {
  client: Client;
  /** Cluster domain (default `cluster.local`). */
  zone?: string;
  /** Default 53. 0 picks a free port (the same for UDP and TCP). */
  port?: number;
  /** Default `0.0.0.0`. */
  host?: string;
  /** Record TTL in seconds (default 30, as kubeadm's Corefile). */
  ttl?: number;
  /** Rotate A/AAAA records between answers (default true, as kubeadm's Corefile `loadbalance`). */
  loadbalance?: boolean;
  /**
   * How long startDnsServer waits for the caches before resolving anyway (CoreDNS's
   * startup_timeout, default 5000 ms); until they sync, in-zone queries get SERVFAIL.
   */
  startupTimeoutMs?: number;
}

export interface DnsServer {
  port: number;
  /** Query and response counters (Prometheus text via metrics.render()). */
  metrics: DnsMetrics;
  close(): Promise<void>;
  /** True once the informers have synced (the `ready` plugin's answer). */
  ready(): boolean;
}

const TCP_IDLE_MS = 10_000;

export interface ServeConfig extends HandlerConfig {
  /** Rotate A/AAAA answers (CoreDNS `loadbalance`). */
  loadbalance?: boolean;
  /** Counts queries and answers when given. */
  metrics?: DnsMetrics;
}

/** Encodes the answer for one transport, truncating for UDP when it does not fit. */
export function encodeResponse(req: Packet, res: Packet, udp: boolean): Buffer {
  const opt = req.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  const out: Packet = { ...res };
  if (opt) out.additionals = [...(res.additionals ?? []), { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Answer];
  let buf = dnsPacket.encode(out);
  const limit = opt ? Math.max(512, opt.udpPayloadSize) : 512;
  if (udp && buf.length > limit) {
    const truncated: Packet = { ...out, flags: (out.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: out.additionals?.filter((a) => a.type === 'OPT') };
    buf = dnsPacket.encode(truncated);
  }
  return buf;
}

let turn = 0;

/** Decodes and answers one message; undefined for garbage that has no header to answer. */
export function answer(msg: Buffer, lookup: DnsLookup, cfg: ServeConfig, udp: boolean): Buffer | undefined {
  let req: Packet;
  try {
    req = dnsPacket.decode(msg);
  } catch {
    if (msg.length < 12) return undefined;
    return dnsPacket.encode({ id: msg.readUInt16BE(0), type: 'response', flags: RCODE.FORMERR });
  }
  if (req.type === 'response') return undefined;
  const res = serveDns(req, lookup, cfg);
  cfg.metrics?.record(udp ? 'udp' : 'tcp', req.questions?.[0]?.type ?? 'other', (res.flags ?? 0) & 0xf);
  return encodeResponse(req, cfg.loadbalance ? roundRobin(res, turn++) : res, udp);
}

function serveTcp(sock: net.Socket, lookup: DnsLookup, cfg: ServeConfig): void {
  let buf = Buffer.alloc(0);
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const len = buf.readUInt16BE(0);
      const out = answer(buf.subarray(2, 2 + len), lookup, cfg, false);
      buf = buf.subarray(2 + len);
      if (!out) continue;
      const head = Buffer.alloc(2);
      head.writeUInt16BE(out.length);
      sock.write(Buffer.concat([head, out]));
    }
  });
}

/** Serves `lookup` on UDP and TCP; with port 0 both get the same free port. */
export async function serveLookup(lookup: DnsLookup, cfg: ServeConfig, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const tcp = net.createServer((s) => serveTcp(s, lookup, cfg));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  const bound = (tcp.address() as net.AddressInfo).port;
  const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(bound, host, () => resolve());
    });
  } catch (e) {
    tcp.close();
    throw new Error(`dns: Cannot listen on UDP ${host}:${bound}: ${(e as Error).message}`);
  }
  udp.on('message', (msg, rinfo) => {
    const out = answer(msg, lookup, cfg, true);
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  const sockets = new Set<net.Socket>();
  tcp.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: bound,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

/**
 * The cluster DNS server: watches Services, EndpointSlices and Namespaces through `client` and
 * answers for `zone` on UDP and TCP. Resolves once listening and synced, or after startupTimeoutMs.
 */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const zone = (opts.zone ?? 'cluster.local').replace(/\.$/, '');
  const ttl = opts.ttl ?? 30;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new Error(`dns: Invalid value for ttl: ${ttl} must be an integer between 0 and 3600`);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(zone)) throw new Error(`dns: Invalid value for zone: "${opts.zone}" is not a domain name`);
  const controller = new DnsController(opts.client);
  const metrics = new DnsMetrics(`dns://:${opts.port ?? 53}`);
  const synced = controller.start();
  let listener: { port: number; close(): Promise<void> };
  try {
    listener = await serveLookup(controller, { zone, ttl, loadbalance: opts.loadbalance ?? true, metrics }, opts.host ?? '0.0.0.0', opts.port ?? 53);
  } catch (e) {
    controller.stop();
    throw e;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([synced, new Promise<void>((r) => (timer = setTimeout(r, opts.startupTimeoutMs ?? 5000)))]);
  clearTimeout(timer);
  // CoreDNS's words: the server answers SERVFAIL for the zone until the caches fill.
  if (!controller.hasSynced()) console.warn('[WARNING] plugin/kubernetes: starting server with unsynced Kubernetes API');
  return {
    port: listener.port,
    metrics,
    ready: () => controller.hasSynced(),
    close: async () => {
      controller.stop();
      await listener.close();
    },
  };
}

/**
 * The entry of the built-in image `registry.k8s.io/coredns/coredns`: the cluster DNS server
 * inside a pod, with the in-cluster API config, DNS on :53, `/health` on :8080, `/ready` on
 * :8181 and `/metrics` on :9153. Flags: `-dns.port N` (as CoreDNS); `-conf FILE` is accepted and its `kubernetes <zone>`
 * and `ttl` read when the file exists.
 */
import { readFileSync } from 'node:fs';
import { Client, inClusterConfig } from '../client/client.js';
import { serveProbe, serveText } from './health.js';
import { startDnsServer } from './server.js';

export interface DnsMainConfig {
  port: number;
  zone: string;
  ttl: number;
}

/** Reads the zone and ttl of a Corefile's kubernetes block (best effort: defaults otherwise). */
export function parseCorefile(text: string): { zone?: string; ttl?: number } {
  const out: { zone?: string; ttl?: number } = {};
  const k = /^\s*kubernetes\s+([^\s{]+)/m.exec(text);
  if (k) out.zone = k[1].replace(/\.$/, '');
  const block = /kubernetes[^{]*\{([^}]*)\}/m.exec(text)?.[1] ?? '';
  const ttl = /^\s*ttl\s+(\d+)/m.exec(block);
  if (ttl) out.ttl = Number(ttl[1]);
  return out;
}

export function parseArgs(args: string[]): DnsMainConfig {
  const cfg: DnsMainConfig = { port: 53, zone: 'cluster.local', ttl: 30 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i].replace(/^--/, '-');
    if (a === '-dns.port') {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`dns: Invalid value for -dns.port: "${args[i]}" must be a port number`);
      cfg.port = v;
    } else if (a === '-conf') {
      const file = args[++i] ?? '';
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = undefined; // the image's default Corefile may not exist on this machine
      }
      if (text) Object.assign(cfg, parseCorefile(text));
    }
  }
  return cfg;
}

export async function main(args: string[]): Promise<void> {
  const cfg = parseArgs(args);
  const client = new Client(inClusterConfig('coredns/podnet'));
  const dns = await startDnsServer({ client, zone: cfg.zone, ttl: cfg.ttl, port: cfg.port, host: '0.0.0.0' });
  const health = await serveProbe('0.0.0.0', 8080, '/health', () => true);
  const ready = await serveProbe('0.0.0.0', 8181, '/ready', () => dns.ready());
  const metrics = await serveText('0.0.0.0', 9153, '/metrics', () => ({ status: 200, body: dns.metrics.render() }));
  console.log(`[INFO] plugin/kubernetes: serving ${cfg.zone} on :${dns.port} (udp, tcp), ttl ${cfg.ttl}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await Promise.all([dns.close(), health.close(), ready.close(), metrics.close()]);
  client.close();
}

/**
 * UDP conntrack hygiene (pkg/proxy/conntrack): UDP has no connection end, so after a sync the
 * entries that still DNAT to an endpoint that is gone, or that cached a reject while the service
 * had no endpoints, are deleted; otherwise clients keep sending into a black hole (#59368,
 * #139628).
 */
import { inNetns, run } from '../dataplane/exec.js';
import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

/** One `conntrack -D` filter: service IP and port, optionally the endpoint that answered. */
export interface ConntrackDeletion {
  serviceIP: string;
  port: number;
  /** Delete only entries whose reply came from this endpoint IP; undefined = all for the service. */
  endpointIP?: string;
}

/**
 * The deletions a sync implies for UDP service ports: endpoints that were reachable before and
 * are not now, and services that just got their first endpoint (their entries may hold rejects).
 */
export function staleUdpDeletions(
  ports: readonly ServicePortInfo[],
  before: ReadonlyMap<string, readonly EndpointInfo[]>,
  after: ReadonlyMap<string, readonly EndpointInfo[]>,
  key: (sp: ServicePortInfo) => string,
): ConntrackDeletion[] {
  const out: ConntrackDeletion[] = [];
  const seen = new Set<string>();
  for (const sp of ports) {
    if (sp.protocol !== 'udp') continue;
    const k = key(sp);
    seen.add(k);
    const old = before.get(k) ?? [];
    const now = after.get(k) ?? [];
    const nowIPs = new Set(now.map((e) => e.ip));
    if (old.length === 0 && now.length > 0 && before.has(k)) out.push({ serviceIP: sp.clusterIP, port: sp.port });
    for (const ip of new Set(old.map((e) => e.ip))) if (!nowIPs.has(ip)) out.push({ serviceIP: sp.clusterIP, port: sp.port, endpointIP: ip });
  }
  return out;
}

/** Runs the deletions in `netns`; "0 flow entries" is not an error. */
export async function deleteConntrackEntries(netns: string | undefined, dels: readonly ConntrackDeletion[]): Promise<void> {
  for (const d of dels) {
    const args = ['-D', '-p', 'udp', '--orig-dst', d.serviceIP, '--dport', String(d.port)];
    if (d.endpointIP) args.push('--reply-src', d.endpointIP);
    const [cmd, full] = inNetns(netns, 'conntrack', args);
    await run(cmd, full, { allowFailure: true });
  }
}

/**
 * UDP conntrack hygiene, level-triggered like kube-proxy's reconciler since v1.32
 * (pkg/proxy/conntrack/cleanup.go): after each sync, every UDP flow whose original destination
 * is a service IP and port but whose reply does not come from one of that port's current
 * endpoints is deleted. UDP has no connection end, so such a flow would otherwise keep
 * DNATing a client into a dead or rejected backend until it times out (#59368, #139628).
 * Reading the table each time also covers endpoints that vanished while the proxy was down.
 */
import { inNetns, run } from '../dataplane/exec.js';
import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

/** One flow from `conntrack -L`: original destination and the reply's source. */
export interface FlowEntry {
  origDst: string;
  origDport: number;
  replySrc: string;
}

/** One `conntrack -D` filter: a service IP and port, and the reply source to delete. */
export interface ConntrackDeletion {
  serviceIP: string;
  port: number;
  endpointIP: string;
}

/** Parses `conntrack -L -p udp` lines (`udp 17 29 src=.. dst=.. sport=.. dport=.. [UNREPLIED] src=.. ...`). */
export function parseConntrackList(text: string): FlowEntry[] {
  const out: FlowEntry[] = [];
  for (const line of text.split('\n')) {
    const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]);
    const dst = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]);
    const dport = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    if (src.length < 2 || dst.length < 1 || dport.length < 1) continue;
    out.push({ origDst: dst[0], origDport: dport[0], replySrc: src[1] });
  }
  return out;
}

/**
 * The deletions that make conntrack agree with the endpoints: for each UDP service port
 * (cluster, external and load-balancer IPs), flows answered by anything but a reachable endpoint.
 */
export function staleUdpFlows(
  flows: readonly FlowEntry[],
  ports: readonly ServicePortInfo[],
  reachable: ReadonlyMap<string, readonly EndpointInfo[]>,
  key: (sp: ServicePortInfo) => string,
): ConntrackDeletion[] {
  const allowed = new Map<string, Set<string>>();
  for (const sp of ports) {
    if (sp.protocol !== 'udp') continue;
    const ips = new Set((reachable.get(key(sp)) ?? []).map((e) => e.ip));
    for (const vip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) allowed.set(`${vip}:${sp.port}`, ips);
  }
  const out = new Map<string, ConntrackDeletion>();
  for (const f of flows) {
    const ok = allowed.get(`${f.origDst}:${f.origDport}`);
    if (!ok || ok.has(f.replySrc)) continue;
    out.set(`${f.origDst}:${f.origDport}:${f.replySrc}`, { serviceIP: f.origDst, port: f.origDport, endpointIP: f.replySrc });
  }
  return [...out.values()];
}

/** The kernel calls the cleanup needs (real, or fakes in tests). */
export interface ConntrackOps {
  listUdpFlows(netns: string): Promise<FlowEntry[]>;
  deleteConntrack(netns: string, dels: readonly ConntrackDeletion[]): Promise<void>;
}

/** After a sync: deletes the UDP flows no current endpoint answers (nothing to do without UDP ports). */
export async function cleanStaleUdpFlows(
  ops: ConntrackOps,
  netns: string,
  ports: readonly ServicePortInfo[],
  reachable: ReadonlyMap<string, readonly EndpointInfo[]>,
  key: (sp: ServicePortInfo) => string,
): Promise<void> {
  if (!ports.some((sp) => sp.protocol === 'udp')) return;
  await ops.deleteConntrack(netns, staleUdpFlows(await ops.listUdpFlows(netns), ports, reachable, key));
}

/** Lists the UDP flows in `netns`. */
export async function listUdpFlows(netns: string | undefined): Promise<FlowEntry[]> {
  const [cmd, args] = inNetns(netns, 'conntrack', ['-L', '-p', 'udp']);
  return parseConntrackList((await run(cmd, args, { allowFailure: true })).stdout);
}

/** Runs the deletions in `netns`; a flow already gone is not an error. */
export async function deleteConntrackEntries(netns: string | undefined, dels: readonly ConntrackDeletion[]): Promise<void> {
  for (const d of dels) {
    const args = ['-D', '-p', 'udp', '--orig-dst', d.serviceIP, '--dport', String(d.port), '--reply-src', d.endpointIP];
    const [cmd, full] = inNetns(netns, 'conntrack', args);
    await run(cmd, full, { allowFailure: true });
  }
}

/**
 * UDP conntrack hygiene for the userspace mode: a UDP flow to a service IP:port is NATed to the
 * proxy port that served it when it began; when that port changes (a new socket process) or the
 * service port goes away, the flow would keep sending the client's datagrams to a closed port
 * until it times out. After each sync, flows to a portal whose reply does not come from the
 * portal's current proxy port are deleted (upstream's userspace proxier cleared UDP conntrack
 * entries of a service it stopped proxying, for the same reason).
 */
import { inNetns, run } from '../../dataplane/exec.js';

/** A UDP flow: original destination and the reply's source port (the proxy port it went to). */
export interface UdpPortalFlow {
  origDst: string;
  origDport: number;
  replySport: number;
}

/** Parses `conntrack -L -p udp` lines (the second sport= is the reply direction's source port). */
export function parseUdpFlows(text: string): UdpPortalFlow[] {
  const out: UdpPortalFlow[] = [];
  for (const line of text.split('\n')) {
    const dst = /\bdst=(\S+)/.exec(line)?.[1];
    const dport = /\bdport=(\d+)/.exec(line)?.[1];
    const sports = [...line.matchAll(/\bsport=(\d+)/g)].map((m) => Number(m[1]));
    if (!dst || !dport || sports.length < 2) continue;
    out.push({ origDst: dst, origDport: Number(dport), replySport: sports[1] });
  }
  return out;
}

/**
 * The flows to delete: those to a known portal (`vip:port`, current or from the last sync)
 * answered by another port than the portal's current proxy port (undefined: portal gone).
 */
export function staleUdpPortalFlows(
  flows: readonly UdpPortalFlow[],
  current: ReadonlyMap<string, number>,
  previous: ReadonlySet<string>,
): UdpPortalFlow[] {
  return flows.filter((f) => {
    const portal = `${f.origDst}:${f.origDport}`;
    if (!current.has(portal) && !previous.has(portal)) return false;
    return current.get(portal) !== f.replySport;
  });
}

export async function listUdpPortalFlows(netns: string): Promise<UdpPortalFlow[]> {
  const [cmd, args] = inNetns(netns, 'conntrack', ['-L', '-p', 'udp']);
  return parseUdpFlows((await run(cmd, args, { allowFailure: true })).stdout);
}

/** Deletes the flows in `netns`; a flow already gone is not an error. */
export async function deleteUdpPortalFlows(netns: string, flows: readonly UdpPortalFlow[]): Promise<void> {
  for (const f of flows) {
    const args = ['-D', '-p', 'udp', '--orig-dst', f.origDst, '--dport', String(f.origDport), '--reply-port-src', String(f.replySport)];
    const [cmd, full] = inNetns(netns, 'conntrack', args);
    await run(cmd, full, { allowFailure: true });
  }
}

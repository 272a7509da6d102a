/**
 * Virtual and real servers as `ipvsadm -S -n` prints them (what `ipvsadm-restore` reads):
 * `-A -t VIP:port -s rr [-p timeout]`, then `-a -t VIP:port -r EP:port -m -w weight` per real
 * server. kube-proxy uses the masquerading (NAT) forwarding method.
 */
import type { VirtualServer } from './ipvs-state.js';

const SERVICE_FLAG: Record<string, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };

export function serviceFlag(protocol: string): string {
  const f = SERVICE_FLAG[protocol];
  if (!f) throw new Error(`ipvs: unsupported protocol "${protocol}"`);
  return f;
}

export function renderIpvsadm(virtualServers: readonly VirtualServer[]): string {
  const lines: string[] = [];
  for (const vs of virtualServers) {
    const svc = `${serviceFlag(vs.protocol)} ${vs.address}:${vs.port}`;
    lines.push(`-A ${svc} -s ${vs.scheduler}${vs.persistenceTimeout !== undefined ? ` -p ${vs.persistenceTimeout}` : ''}`);
    for (const rs of vs.realServers) lines.push(`-a ${svc} -r ${rs.ip}:${rs.port} -m -w ${rs.weight}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

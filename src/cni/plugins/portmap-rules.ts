/**
 * The iptables rules of portmap's iptables backend, in the canonical form `iptables -S` prints
 * (so CHECK can compare them as strings and DEL can match them), as the reference writes them
 * (observed against Debian's 1.1.1): in table nat,
 *   PREROUTING, OUTPUT:  -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT   (first rule)
 *   POSTROUTING:         jump to CNI-HOSTPORT-MASQ (first rule)
 *   CNI-HOSTPORT-SETMARK: MARK --set-xmark bit/bit;  CNI-HOSTPORT-MASQ: mark → MASQUERADE
 *   CNI-HOSTPORT-DNAT:   per protocol, ≤15 ports per multiport rule, commented with net and id → CNI-DN-<hash>
 *   CNI-DN-<hash>:       per mapping: hairpin (pod subnet) and localhost SETMARK, then DNAT.
 */
import { createHash } from 'node:crypto';
import { type IPNet, formatCIDR, formatIP, networkAddr } from '../ip/addr.js';
import type { PortMapping, PortmapConf } from './portmap-config.js';

export const TOPLEVEL_DNAT = 'CNI-HOSTPORT-DNAT';
export const SETMARK_CHAIN = 'CNI-HOSTPORT-SETMARK';
export const MASQ_CHAIN = 'CNI-HOSTPORT-MASQ';
/** iptables' chain name limit the reference truncates the hash to. */
const MAX_CHAIN = 28;
const MULTIPORT_MAX = 15;

/** `CNI-DN-` + sha512(network name + container id), cut to 28 characters. */
export function dnatChainName(name: string, containerId: string): string {
  const prefix = 'CNI-DN-';
  return prefix + createHash('sha512').update(name + containerId).digest('hex').slice(0, MAX_CHAIN - prefix.length);
}

/** The comment that ties CNI-HOSTPORT-DNAT rules to one attachment. */
export const dnatComment = (name: string, containerId: string): string => `dnat name: ${JSON.stringify(name)} id: ${JSON.stringify(containerId)}`;

/** A string as `iptables -S` quotes it: in double quotes when it has spaces or quotes, `"` escaped. */
export const quoteArg = (s: string): string => (/[\s"]/.test(s) ? `"${s.replace(/(["\\])/g, '\\$1')}"` : s);

const hostMask = (n: IPNet): string => (n.ip.family === 4 ? '/32' : '/128');

export function markHex(bit: number): string {
  return `0x${(1 << bit >>> 0).toString(16)}`;
}

/** The fixed chains' rules (the rules themselves, chains created elsewhere). */
export function toplevelRules(markBit: number): Record<string, string[]> {
  const mark = markHex(markBit);
  return {
    PREROUTING: [`-m addrtype --dst-type LOCAL -j ${TOPLEVEL_DNAT}`],
    OUTPUT: [`-m addrtype --dst-type LOCAL -j ${TOPLEVEL_DNAT}`],
    POSTROUTING: [`-m comment --comment "CNI portfwd requiring masquerade" -j ${MASQ_CHAIN}`],
    [SETMARK_CHAIN]: [`-m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark ${mark}/${mark}`],
    [MASQ_CHAIN]: [`-m mark --mark ${mark}/${mark} -j MASQUERADE`],
  };
}

/** The mappings of one family: a host IP of the other family does not apply to this pod IP. */
export function mappingsFor(c: PortmapConf, pod: IPNet): PortMapping[] {
  return c.mappings.filter((m) => m.hostIP === '' || (m.hostIP.includes(':') ? 6 : 4) === pod.ip.family);
}

/**
 * CNI-HOSTPORT-DNAT entries for one attachment: per protocol (sorted), ports in groups of 15.
 * Every mapping's port is listed, whatever its host IP's family (the reference filters by
 * family only in the CNI-DN chain), so `_pod` only names the family for symmetry.
 */
export function entryRules(c: PortmapConf, containerId: string, _pod: IPNet): string[] {
  const byProto = new Map<string, number[]>();
  for (const m of c.mappings) byProto.set(m.protocol, [...(byProto.get(m.protocol) ?? []), m.hostPort]);
  const comment = quoteArg(dnatComment(c.name, containerId));
  const chain = dnatChainName(c.name, containerId);
  const out: string[] = [];
  for (const proto of [...byProto.keys()].sort()) {
    const ports = byProto.get(proto)!;
    for (let i = 0; i < ports.length; i += MULTIPORT_MAX) {
      out.push(`-p ${proto} -m comment --comment ${comment} -m multiport --dports ${ports.slice(i, i + MULTIPORT_MAX).join(',')} -j ${chain}`);
    }
  }
  return out;
}

/** The CNI-DN-<hash> chain's rules for one pod IP. */
export function dnatRules(c: PortmapConf, pod: IPNet): string[] {
  const out: string[] = [];
  const podIP = formatIP(pod.ip);
  const subnet = formatCIDR(networkAddr(pod), pod.prefix);
  for (const m of mappingsFor(c, pod)) {
    const dst = m.hostIP !== '' && !/^(0\.0\.0\.0|::)$/.test(m.hostIP) ? ` -d ${m.hostIP}${hostMask(pod)}` : '';
    const match = `-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort}`;
    if (c.snat) {
      out.push(`-s ${subnet}${dst} ${match} -j ${SETMARK_CHAIN}`);
      // Only IPv4 has route_localnet, so only it can DNAT traffic from localhost.
      if (pod.ip.family === 4) out.push(`-s 127.0.0.1/32${dst} ${match} -j ${SETMARK_CHAIN}`);
    }
    const to = pod.ip.family === 4 ? `${podIP}:${m.containerPort}` : `[${podIP}]:${m.containerPort}`;
    out.push(`${dst.trimStart()}${dst ? ' ' : ''}${match} -j DNAT --to-destination ${to}`);
  }
  return out;
}

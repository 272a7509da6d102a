/** Renders DNS packet sections as zone-file lines, so tests read like CoreDNS's test.A(...). */
import type { Answer, Packet } from 'dns-packet';

export function rr(a: Answer): string {
  const head = `${a.name}.\t${'ttl' in a ? a.ttl : ''}\tIN\t${a.type}\t`;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return head + a.data;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${head}${a.data}.`;
    case 'SRV':
      return `${head}${a.data.priority} ${a.data.weight} ${a.data.port} ${a.data.target}.`;
    case 'TXT': {
      const d = Array.isArray(a.data) ? a.data : [a.data];
      return head + d.map((x) => `"${x.toString()}"`).join(' ');
    }
    case 'SOA':
      return `${head}${a.data.mname}. ${a.data.rname}. ${a.data.serial} ${a.data.refresh} ${a.data.retry} ${a.data.expire} ${a.data.minimum}`;
    default:
      return `${head}?`;
  }
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** `rcode`, then answer, authority and additional lines (OPT left out). */
export function zoneText(p: Packet): { rcode: string; answer: string[]; ns: string[]; extra: string[] } {
  return {
    rcode: RCODES[(p.flags ?? 0) & 0xf] ?? String((p.flags ?? 0) & 0xf),
    answer: (p.answers ?? []).map(rr),
    ns: (p.authorities ?? []).map(rr),
    extra: (p.additionals ?? []).filter((a) => a.type !== 'OPT').map(rr),
  };
}

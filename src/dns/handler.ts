/**
 * ServeDNS, pure: one request packet in, one response packet out. Authoritative for the cluster
 * zone (NXDOMAIN/NODATA carry the zone's SOA), PTR for ClusterIPs and endpoint IPs, SERVFAIL
 * before the caches have synced, REFUSED outside the zone (no upstream to forward to).
 */
import type { Answer, Packet, Question } from 'dns-packet';
import { AUTHORITATIVE_ANSWER, RECURSION_DESIRED } from 'dns-packet';
import { type NameRecords, recordsFor } from './kubernetes.js';
import { parseQueryName, trimDot } from './query-name.js';
import { type DnsLookup, endpointLabel } from './records.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const DNS_VERSION_TTL = 28800;

export interface HandlerConfig {
  zone: string;
  ttl: number;
}

interface Result {
  rcode: number;
  answers: Answer[];
  additionals: Answer[];
  /** Zone whose SOA goes in the authority section (NXDOMAIN/NODATA). */
  soaZone?: string;
}

export function soaRecord(zone: string, ttl: number, serial: number): Answer {
  const z = trimDot(zone);
  return {
    type: 'SOA',
    name: z,
    ttl: Math.min(ttl, 300),
    class: 'IN',
    data: { mname: `ns.dns.${z}`, rname: `hostmaster.${z}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
  };
}

function pick(q: Question, recs: NameRecords, cfg: HandlerConfig, lookup: DnsLookup, zoneQ: string): Result {
  const rr = (type: 'A' | 'AAAA' | 'CNAME' | 'NS', data: string, name = q.name): Answer => ({ type, name, ttl: cfg.ttl, class: 'IN', data });
  const out: Result = { rcode: RCODE.NOERROR, answers: [], additionals: [] };
  if (recs.cname && (q.type === 'A' || q.type === 'AAAA' || q.type === 'CNAME')) {
    out.answers.push(rr('CNAME', recs.cname));
    const target = parseQueryName(recs.cname, cfg.zone);
    // Only an in-cluster target can be chased: there is no upstream resolver here.
    if (q.type !== 'CNAME' && target.kind === 'zone') {
      const t = recordsFor(lookup, target.labels, target.zoneAsQueried);
      for (const ip of (q.type === 'A' ? t?.a : t?.aaaa) ?? []) out.answers.push(rr(q.type, ip, trimDot(recs.cname)));
    }
    return out;
  }
  switch (q.type) {
    case 'A':
    case 'AAAA':
      for (const ip of q.type === 'A' ? recs.a : recs.aaaa) out.answers.push(rr(q.type, ip));
      break;
    case 'SRV':
      for (const s of recs.srv) out.answers.push({ type: 'SRV', name: q.name, ttl: cfg.ttl, class: 'IN', data: s });
      for (const [name, ip] of recs.srvExtra) out.additionals.push(rr(ip.includes(':') ? 'AAAA' : 'A', ip, name));
      break;
    case 'TXT':
      if (recs.txt) out.answers.push({ type: 'TXT', name: q.name, ttl: DNS_VERSION_TTL, class: 'IN', data: recs.txt });
      break;
    case 'SOA':
      if (recs.apex) out.answers.push({ ...soaRecord(cfg.zone, cfg.ttl, lookup.serial()), name: q.name });
      break;
    case 'NS':
      if (recs.apex) out.answers.push(rr('NS', `ns.dns.${zoneQ}`));
      break;
  }
  if (out.answers.length === 0) out.soaZone = cfg.zone; // NODATA
  return out;
}

function reverse(q: Question, ip: string, reverseZone: string, lookup: DnsLookup, cfg: HandlerConfig): Result {
  const names: string[] = [];
  const zone = trimDot(cfg.zone);
  for (const s of ip ? lookup.servicesByIP(ip) : []) names.push(`${s.name}.${s.namespace}.svc.${zone}`);
  for (const { service: s, endpoint, address } of ip ? lookup.endpointsByIP(ip) : []) {
    names.push(`${endpointLabel(endpoint, address)}.${s.name}.${s.namespace}.svc.${zone}`);
  }
  if (names.length === 0) return { rcode: RCODE.NXDOMAIN, answers: [], additionals: [], soaZone: reverseZone };
  if (q.type !== 'PTR') return { rcode: RCODE.NOERROR, answers: [], additionals: [], soaZone: reverseZone };
  const answers: Answer[] = [...new Set(names)].map((data) => ({ type: 'PTR', name: q.name, ttl: cfg.ttl, class: 'IN', data }));
  return { rcode: RCODE.NOERROR, answers, additionals: [] };
}

function resolve(q: Question, lookup: DnsLookup, cfg: HandlerConfig): Result {
  const parsed = parseQueryName(q.name, cfg.zone);
  if (parsed.kind === 'outside') return { rcode: RCODE.REFUSED, answers: [], additionals: [] };
  if (!lookup.hasSynced()) return { rcode: RCODE.SERVFAIL, answers: [], additionals: [] };
  if (parsed.kind === 'reverse') return reverse(q, parsed.ip, parsed.zone, lookup, cfg);
  const recs = recordsFor(lookup, parsed.labels, parsed.zoneAsQueried);
  if (!recs) return { rcode: RCODE.NXDOMAIN, answers: [], additionals: [], soaZone: cfg.zone };
  return pick(q, recs, cfg, lookup, parsed.zoneAsQueried);
}

/** The response to `req`; questions are echoed as sent (case included). */
export function serveDns(req: Packet, lookup: DnsLookup, cfg: HandlerConfig): Packet {
  const rd = (req.flags ?? 0) & RECURSION_DESIRED;
  const base: Packet = { id: req.id, type: 'response', questions: req.questions ?? [] };
  const opcode = ((req.flags ?? 0) >> 11) & 0xf;
  if (opcode !== 0) return { ...base, flags: rd | RCODE.NOTIMP };
  const q = req.questions?.[0];
  if (!q || (req.questions?.length ?? 0) > 1) return { ...base, flags: rd | RCODE.FORMERR };
  if (q.type === ('AXFR' as string) || q.type === ('IXFR' as string)) return { ...base, flags: rd | RCODE.REFUSED };
  const r = resolve({ ...q, name: trimDot(q.name) }, lookup, cfg);
  const authoritative = r.rcode === RCODE.NOERROR || r.rcode === RCODE.NXDOMAIN ? AUTHORITATIVE_ANSWER : 0;
  const res: Packet = { ...base, flags: rd | authoritative | r.rcode, answers: r.answers, additionals: r.additionals };
  if (r.soaZone) res.authorities = [soaRecord(r.soaZone, cfg.ttl, lookup.serial())];
  return res;
}

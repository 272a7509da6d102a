import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordType } from 'dns-packet';
import { AUTHORITATIVE_ANSWER, RECURSION_DESIRED } from 'dns-packet';
import { serveDns } from '../../../src/dns/handler.js';
import type { DnsService } from '../../../src/dns/records.js';
import { FakeLookup } from './fake-lookup.js';
import { zoneText } from './zone-text.js';

const svc = (name: string, ns: string, ips: string[], ports: DnsService['ports'], extra: Partial<DnsService> = {}): DnsService => ({
  name, namespace: ns, type: 'ClusterIP', clusterIPs: ips, headless: false, ports, ...extra,
});
const http = { name: 'http', protocol: 'TCP', port: 80 };

const lookup = new FakeLookup(
  [
    svc('kubernetes', 'default', ['10.96.0.1'], [{ name: 'https', protocol: 'TCP', port: 443 }]),
    svc('svc1', 'testns', ['10.0.0.1'], [http]),
    svc('svc2', 'testns', ['10.0.0.2'], [http, { name: 'https', protocol: 'TCP', port: 443 }, { name: '', protocol: 'UDP', port: 53 }]),
    svc('svcempty', 'testns', ['10.0.0.3'], [http]),
    svc('hdls1', 'testns', [], [http], { headless: true }),
    svc('hdls-unready', 'testns', [], [http], { headless: true }),
    svc('ext', 'testns', [], [], { type: 'ExternalName', externalName: 'www.example.com' }),
    svc('dual', 'testns', ['10.0.0.9', 'fd00:10:96::9'], [http]),
    svc('extin', 'testns', [], [], { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local' }),
  ],
  {
    'testns/svc1': [{ addresses: ['172.0.0.1'], ready: true, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }],
    'testns/hdls1': [
      { addresses: ['172.0.0.2'], ready: true, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
      { addresses: ['172.0.0.3'], hostname: 'web-0', ready: true, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
      { addresses: ['172.0.0.4'], ready: false, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
    ],
    'testns/hdls-unready': [{ addresses: ['172.0.0.9'], ready: false, ports: [] }],
  },
  ['default', 'testns', 'kube-system'],
);

const SOA = 'cluster.local.\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 30';

interface Case {
  q: string;
  type: RecordType;
  rcode: string;
  answer?: string[];
  ns?: string[];
  extra?: string[];
}

const cases: Case[] = [
  { q: 'svc1.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.1'] },
  { q: 'kubernetes.default.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answer: ['kubernetes.default.svc.cluster.local.\t30\tIN\tA\t10.96.0.1'] },
  // the answer echoes the query's case, zone included
  { q: 'SvC1.TeStNs.SvC.cLuStEr.LoCaL', type: 'A', rcode: 'NOERROR', answer: ['SvC1.TeStNs.SvC.cLuStEr.LoCaL.\t30\tIN\tA\t10.0.0.1'] },
  // a ClusterIP service without endpoints still answers
  { q: 'svcempty.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.3'] },
  { q: 'svc1.testns.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', ns: [SOA] },
  { q: 'svc1.testns.svc.cluster.local', type: 'TXT', rcode: 'NOERROR', ns: [SOA] },
  { q: 'svc1.testns.svc.cluster.local', type: 'MX', rcode: 'NOERROR', ns: [SOA] },
  { q: 'nosvc.testns.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: 'nosvc.testns.svc.cluster.local', type: 'MX', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: 'svc1.nons.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: 'testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', ns: [SOA] },
  { q: 'svc.cluster.local', type: 'A', rcode: 'NOERROR', ns: [SOA] },
  { q: 'foo.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: 'a.b.svc1.testns.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // headless: one A per ready endpoint; no ready endpoint is NXDOMAIN
  {
    q: 'hdls1.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR',
    answer: ['hdls1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.2', 'hdls1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.3'],
  },
  { q: 'hdls-unready.testns.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: 'web-0.hdls1.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['web-0.hdls1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.3'] },
  { q: '172-0-0-2.hdls1.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.hdls1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.2'] },
  { q: '172-0-0-4.hdls1.testns.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: 'bogusendpoint.hdls1.testns.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // endpoint names work under ClusterIP services too
  { q: '172-0-0-1.svc1.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['172-0-0-1.svc1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.1'] },
  // SRV: named ports only, weight split
  {
    q: '_http._tcp.svc1.testns.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.svc1.testns.svc.cluster.local.\t30\tIN\tSRV\t0 100 80 svc1.testns.svc.cluster.local.'],
    extra: ['svc1.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.1'],
  },
  {
    q: 'svc2.testns.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
    answer: ['svc2.testns.svc.cluster.local.\t30\tIN\tSRV\t0 50 80 svc2.testns.svc.cluster.local.', 'svc2.testns.svc.cluster.local.\t30\tIN\tSRV\t0 50 443 svc2.testns.svc.cluster.local.'],
    extra: ['svc2.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.2', 'svc2.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.2'],
  },
  { q: '_HTTP._TCP.svc1.testns.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', answer: ['_HTTP._TCP.svc1.testns.svc.cluster.local.\t30\tIN\tSRV\t0 100 80 svc1.testns.svc.cluster.local.'], extra: ['svc1.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.1'] },
  { q: '_dns._udp.svc1.testns.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  {
    q: '_http._tcp.hdls1.testns.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.hdls1.testns.svc.cluster.local.\t30\tIN\tSRV\t0 50 8080 172-0-0-2.hdls1.testns.svc.cluster.local.', '_http._tcp.hdls1.testns.svc.cluster.local.\t30\tIN\tSRV\t0 50 8080 web-0.hdls1.testns.svc.cluster.local.'],
    extra: ['172-0-0-2.hdls1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.2', 'web-0.hdls1.testns.svc.cluster.local.\t30\tIN\tA\t172.0.0.3'],
  },
  // ExternalName: CNAME; an in-cluster target is chased
  { q: 'ext.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['ext.testns.svc.cluster.local.\t30\tIN\tCNAME\twww.example.com.'] },
  {
    q: 'extin.testns.svc.cluster.local', type: 'A', rcode: 'NOERROR',
    answer: ['extin.testns.svc.cluster.local.\t30\tIN\tCNAME\tsvc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.1'],
  },
  { q: 'ext.testns.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', ns: [SOA] },
  { q: 'x.ext.testns.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // zone apex, schema version, pods insecure
  { q: 'dns-version.cluster.local', type: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local.\t28800\tIN\tTXT\t"1.1.0"'] },
  { q: 'cluster.local', type: 'SOA', rcode: 'NOERROR', answer: [SOA] },
  { q: 'cluster.local', type: 'NS', rcode: 'NOERROR', answer: ['cluster.local.\t30\tIN\tNS\tns.dns.cluster.local.'] },
  { q: '10-244-1-5.testns.pod.cluster.local', type: 'A', rcode: 'NOERROR', answer: ['10-244-1-5.testns.pod.cluster.local.\t30\tIN\tA\t10.244.1.5'] },
  { q: 'blah.testns.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { q: '10-244-1-5.nons.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // reverse
  { q: '1.0.0.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.in-addr.arpa.\t30\tIN\tPTR\tsvc1.testns.svc.cluster.local.'] },
  { q: '3.0.0.172.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answer: ['3.0.0.172.in-addr.arpa.\t30\tIN\tPTR\tweb-0.hdls1.testns.svc.cluster.local.'] },
  {
    q: '9.9.9.9.in-addr.arpa', type: 'PTR', rcode: 'NXDOMAIN',
    ns: ['in-addr.arpa.\t30\tIN\tSOA\tns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 1499347823 7200 1800 86400 30'],
  },
  // dual stack: A and AAAA; one SRV whose weight was split before dedup (CoreDNS)
  { q: 'dual.testns.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', answer: ['dual.testns.svc.cluster.local.\t30\tIN\tAAAA\tfd00:10:96::9'] },
  {
    q: '_http._tcp.dual.testns.svc.cluster.local', type: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.dual.testns.svc.cluster.local.\t30\tIN\tSRV\t0 50 80 dual.testns.svc.cluster.local.'],
    extra: ['dual.testns.svc.cluster.local.\t30\tIN\tA\t10.0.0.9', 'dual.testns.svc.cluster.local.\t30\tIN\tAAAA\tfd00:10:96::9'],
  },
  {
    q: '9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa', type: 'PTR', rcode: 'NOERROR',
    answer: ['9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.\t30\tIN\tPTR\tdual.testns.svc.cluster.local.'],
  },
  // outside the zone: no upstream here
  { q: 'example.com', type: 'A', rcode: 'REFUSED' },
  { q: 'cluster.local.example.com', type: 'A', rcode: 'REFUSED' },
];

for (const c of cases) {
  test(`${c.q} ${c.type} -> ${c.rcode}`, () => {
    const res = serveDns({ id: 7, type: 'query', flags: RECURSION_DESIRED, questions: [{ type: c.type, name: c.q, class: 'IN' }] }, lookup, { zone: 'cluster.local', ttl: 30 });
    assert.equal(res.id, 7);
    assert.deepEqual(res.questions, [{ type: c.type, name: c.q, class: 'IN' }]);
    assert.deepEqual(zoneText(res), { rcode: c.rcode, answer: c.answer ?? [], ns: c.ns ?? [], extra: c.extra ?? [] });
  });
}

test('flags: authoritative, RD echoed, no RA', () => {
  const res = serveDns({ id: 1, flags: RECURSION_DESIRED, questions: [{ type: 'A', name: 'svc1.testns.svc.cluster.local' }] }, lookup, { zone: 'cluster.local', ttl: 5 });
  assert.equal((res.flags ?? 0) & AUTHORITATIVE_ANSWER, AUTHORITATIVE_ANSWER);
  assert.equal((res.flags ?? 0) & RECURSION_DESIRED, RECURSION_DESIRED);
  assert.equal((res.flags ?? 0) & 0x80, 0);
  assert.equal(zoneText(res).answer[0], 'svc1.testns.svc.cluster.local.\t5\tIN\tA\t10.0.0.1');
});

test('SERVFAIL until synced', () => {
  const unsynced = new FakeLookup([], {}, []);
  unsynced.synced = false;
  const q = (name: string) => zoneText(serveDns({ id: 1, questions: [{ type: 'A', name }] }, unsynced, { zone: 'cluster.local', ttl: 30 })).rcode;
  assert.equal(q('svc1.testns.svc.cluster.local'), 'SERVFAIL');
  assert.equal(q('example.com'), 'REFUSED');
  unsynced.synced = true;
  assert.equal(q('svc1.testns.svc.cluster.local'), 'NXDOMAIN');
});

test('FORMERR without a question, NOTIMP for other opcodes', () => {
  assert.equal(zoneText(serveDns({ id: 1, questions: [] }, lookup, { zone: 'cluster.local', ttl: 30 })).rcode, 'FORMERR');
  assert.equal(zoneText(serveDns({ id: 1, flags: 5 << 11, questions: [{ type: 'A', name: 'a' }] }, lookup, { zone: 'cluster.local', ttl: 30 })).rcode, 'NOTIMP');
});

test('SOA TTL is capped at 300 while minimum is the ttl', () => {
  const res = serveDns({ id: 1, questions: [{ type: 'A', name: 'nosvc.testns.svc.cluster.local' }] }, lookup, { zone: 'cluster.local', ttl: 3600 });
  assert.deepEqual(zoneText(res).ns, ['cluster.local.\t300\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 3600']);
});

/**
 * A few of CoreDNS's `prometheus` plugin counters (served on :9153/metrics in the pod), so one can
 * see how many queries, of which types, got which answers.
 */
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export class DnsMetrics {
  private readonly requests = new Map<string, number>();
  private readonly responses = new Map<string, number>();

  constructor(private readonly server = 'dns://:53') {}

  /** Counts one answered query: transport, question type, response code (number). */
  record(proto: 'udp' | 'tcp', qtype: string, rcode: number): void {
    const rk = `${proto}|${qtype}`;
    this.requests.set(rk, (this.requests.get(rk) ?? 0) + 1);
    const name = RCODES[rcode] ?? String(rcode);
    this.responses.set(name, (this.responses.get(name) ?? 0) + 1);
  }

  /** Prometheus text exposition format. */
  render(): string {
    const lines = [
      '# HELP coredns_build_info A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.',
      '# TYPE coredns_build_info gauge',
      'coredns_build_info{goversion="",revision="podnet",version="1.11.3"} 1',
      '# HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.',
      '# TYPE coredns_dns_requests_total counter',
    ];
    for (const [k, n] of [...this.requests].sort()) {
      const [proto, type] = k.split('|');
      lines.push(`coredns_dns_requests_total{family="1",proto="${proto}",server="${this.server}",type="${type}",view="",zone="."} ${n}`);
    }
    lines.push('# HELP coredns_dns_responses_total Counter of response status codes.', '# TYPE coredns_dns_responses_total counter');
    for (const [rcode, n] of [...this.responses].sort()) {
      lines.push(`coredns_dns_responses_total{plugin="",rcode="${rcode}",server="${this.server}",view="",zone="."} ${n}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

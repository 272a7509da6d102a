/** A DnsLookup over fixed records, as CoreDNS's handler_test APIConnServeTest. */
import type { DnsEndpoint, DnsLookup, DnsService } from '../../../src/dns/records.js';
import { ipKey } from '../../../src/dns/query-name.js';

export class FakeLookup implements DnsLookup {
  synced = true;
  constructor(
    readonly services: DnsService[],
    readonly endpoints: Record<string, DnsEndpoint[]>,
    readonly namespaces: string[],
  ) {}
  hasSynced() {
    return this.synced;
  }
  serviceByName(ns: string, name: string) {
    return this.services.find((s) => s.namespace === ns && s.name === name);
  }
  endpointsOf(ns: string, name: string) {
    return this.endpoints[`${ns}/${name}`] ?? [];
  }
  namespaceExists(ns: string) {
    return this.namespaces.includes(ns);
  }
  servicesByIP(ip: string) {
    return this.services.filter((s) => s.clusterIPs.some((c) => ipKey(c) === ipKey(ip)));
  }
  endpointsByIP(ip: string) {
    return Object.entries(this.endpoints).flatMap(([key, eps]) => {
      const [ns, name] = key.split('/');
      const service = this.serviceByName(ns, name);
      const hit = (e: DnsEndpoint) => e.addresses.find((a) => ipKey(a) === ipKey(ip));
      return service ? eps.filter((e) => e.ready && hit(e)).map((endpoint) => ({ service, endpoint, address: hit(endpoint) ?? ip })) : [];
    });
  }
  serial() {
    return 1499347823;
  }
}

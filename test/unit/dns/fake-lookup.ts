/** A DnsLookup over fixed records, as CoreDNS's handler_test APIConnServeTest. */
import type { DnsEndpoint, DnsLookup, DnsService } from '../../../src/dns/records.js';

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
    return this.services.filter((s) => s.clusterIPs.includes(ip));
  }
  endpointsByIP(ip: string) {
    return Object.entries(this.endpoints).flatMap(([key, eps]) => {
      const [ns, name] = key.split('/');
      const service = this.serviceByName(ns, name);
      return service ? eps.filter((e) => e.ready && e.addresses.includes(ip)).map((endpoint) => ({ service, endpoint })) : [];
    });
  }
  serial() {
    return 1499347823;
  }
}

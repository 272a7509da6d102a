/**
 * ClusterIP allocation over the service CIDR, as upstream's service REST storage does on
 * Service create: requested IPs are honoured when free and in range; dynamic allocations
 * pick a random free address in the upper band first (upstream's random-scan-with-offset
 * bitmap), leaving the low band (10.96.0.1, 10.96.0.10, ...) to static use until the upper
 * band is full. State lives only in memory and is rebuilt from the stored Services on start.
 */
import { type IPv4Cidr, cidrContains, ipv4ToNumber, numberToIPv4, parseIPv4Cidr } from '../api/validation/ip.js';
import { type FieldError, invalidValue } from '../api/validation/field-errors.js';

export class ClusterIPAllocator {
  readonly cidr: IPv4Cidr;
  private readonly used = new Set<number>();
  /** Usable host offsets 1..staticBand form the low band; 0 when the range is too small for one. */
  private readonly staticBand: number;

  constructor(
    cidrText: string,
    private readonly random: (n: number) => number = (n) => Math.floor(Math.random() * n),
  ) {
    this.cidr = parseIPv4Cidr(cidrText);
    // Upstream: ranges under 16 addresses have no band; else size/16 clamped to [16, 256].
    const usable = this.cidr.size - 2;
    const band = this.cidr.size < 16 ? 0 : Math.min(Math.max(16, Math.floor(this.cidr.size / 16)), 256);
    this.staticBand = band < usable ? band : 0;
  }

  /** Marks an IP as used (rebuilding from storage); IPs outside the range are ignored. */
  restore(ip: string): void {
    if (cidrContains(this.cidr, ip)) this.used.add(ipv4ToNumber(ip) - this.cidr.base);
  }

  /** Allocates `requested`, or any free IP; returns a field error instead of throwing. */
  allocate(requested?: string): { ip: string } | { error: FieldError } {
    if (requested) return this.allocateSpecific(requested);
    const usable = this.cidr.size - 2;
    const off = this.scan(this.staticBand + 1, usable - this.staticBand) ?? this.scan(1, this.staticBand);
    if (off === undefined) {
      return { error: invalidValue('spec.clusterIP', '', `failed to allocate IP: range is full (${this.cidr.text})`) };
    }
    this.used.add(off);
    return { ip: numberToIPv4(this.cidr.base + off) };
  }

  /** The first free offset in [first, first+count), scanning from a random start and wrapping. */
  private scan(first: number, count: number): number | undefined {
    if (count <= 0) return undefined;
    const start = this.random(count);
    for (let i = 0; i < count; i++) {
      const off = first + ((start + i) % count);
      if (!this.used.has(off)) return off;
    }
    return undefined;
  }

  release(ip: string | undefined): void {
    if (ip && cidrContains(this.cidr, ip)) this.used.delete(ipv4ToNumber(ip) - this.cidr.base);
  }

  isAllocated(ip: string): boolean {
    return cidrContains(this.cidr, ip) && this.used.has(ipv4ToNumber(ip) - this.cidr.base);
  }

  private allocateSpecific(ip: string): { ip: string } | { error: FieldError } {
    const off = ipv4ToNumber(ip) - this.cidr.base;
    if (!cidrContains(this.cidr, ip) || off === 0 || off === this.cidr.size - 1) {
      const why = `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`;
      return { error: invalidValue('spec.clusterIP', ip, why) };
    }
    if (this.used.has(off)) {
      return { error: invalidValue('spec.clusterIP', ip, `failed to allocate IP ${ip}: provided IP is already allocated`) };
    }
    this.used.add(off);
    return { ip };
  }
}

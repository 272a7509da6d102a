/**
 * ClusterIP allocation over the service CIDR, as upstream's service REST storage does on
 * Service create: requested IPs are honoured when free and in range; dynamic allocations
 * prefer the upper band, leaving the first addresses (10.96.0.1, 10.96.0.10) to static use.
 * State lives only in memory and is rebuilt from the stored Services on start.
 */
import { type IPv4Cidr, cidrContains, ipv4ToNumber, numberToIPv4, parseIPv4Cidr } from '../api/validation/ip.js';
import { type FieldError, invalidValue } from '../api/validation/field-errors.js';

export class ClusterIPAllocator {
  readonly cidr: IPv4Cidr;
  private readonly used = new Set<number>();
  private readonly staticBand: number;
  private next: number;

  constructor(cidrText: string) {
    this.cidr = parseIPv4Cidr(cidrText);
    // Upstream reserves min(max(16, size/16), 256) addresses at the bottom for static IPs.
    this.staticBand = Math.min(Math.max(16, Math.floor(this.cidr.size / 16)), 256);
    // Ranges too small for a band start at their first host address.
    this.next = this.staticBand < this.cidr.size - 1 ? this.staticBand : 1;
  }

  /** Marks an IP as used (rebuilding from storage); IPs outside the range are ignored. */
  restore(ip: string): void {
    if (cidrContains(this.cidr, ip)) this.used.add(ipv4ToNumber(ip) - this.cidr.base);
  }

  /** Allocates `requested`, or any free IP; returns a field error instead of throwing. */
  allocate(requested?: string): { ip: string } | { error: FieldError } {
    if (requested) return this.allocateSpecific(requested);
    const usable = this.cidr.size - 2;
    for (let tried = 0; tried < usable; tried++) {
      const off = this.next;
      this.next = this.next + 1 >= this.cidr.size - 1 ? 1 : this.next + 1;
      if (!this.used.has(off)) {
        this.used.add(off);
        return { ip: numberToIPv4(this.cidr.base + off) };
      }
    }
    return { error: invalidValue('spec.clusterIP', '', `failed to allocate IP: range is full (${this.cidr.text})`) };
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

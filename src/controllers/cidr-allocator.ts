/**
 * The range allocator of node IPAM (upstream's cidrset): carves an IPv4 cluster CIDR into
 * equal subnets and hands out the first free one in address order.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`ipam: Invalid IPv4 address "${ip}"`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string, field = 'cidr'): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!m || Number(m[2]) > 32 || m[1].split('.').some((p) => Number(p) > 255)) throw new Error(`ipam: Invalid value for ${field}: "${text}" is not an IPv4 CIDR`);
  const prefix = Number(m[2]);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, prefix };
}

export const formatCidr = (c: Cidr): string => `${intToIp(c.base)}/${c.prefix}`;

export class CidrSet {
  private readonly cluster: Cidr;
  private readonly used = new Set<number>();
  readonly size: number;

  constructor(clusterCidr: string, readonly maskSize: number) {
    this.cluster = parseCidr(clusterCidr, 'clusterCIDR');
    if (!Number.isInteger(maskSize) || maskSize < this.cluster.prefix || maskSize > 32) {
      throw new Error(`ipam: Invalid value for nodeCIDRMaskSize: ${maskSize} must be between ${this.cluster.prefix} and 32`);
    }
    if (maskSize - this.cluster.prefix > 20) {
      throw new Error(`ipam: Invalid value for nodeCIDRMaskSize: ${maskSize} gives more than 2^20 subnets of ${formatCidr(this.cluster)}`);
    }
    this.size = 2 ** (maskSize - this.cluster.prefix);
  }

  /** Index of `cidr` in the set, or undefined when it is not one of its subnets. */
  private indexOf(cidr: string): number | undefined {
    let c: Cidr;
    try {
      c = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (c.prefix !== this.maskSize) return undefined;
    const idx = (c.base - this.cluster.base) / 2 ** (32 - this.maskSize);
    return Number.isInteger(idx) && idx >= 0 && idx < this.size ? idx : undefined;
  }

  /** Marks a subnet taken (rebuilding from existing nodes); false when not in this set. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used.add(i);
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  /** The first free subnet in address order. */
  allocateNext(): string {
    for (let i = 0; i < this.size; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      return formatCidr({ base: (this.cluster.base + i * 2 ** (32 - this.maskSize)) >>> 0, prefix: this.maskSize });
    }
    throw new Error(`ipam: Cannot allocate a /${this.maskSize} from "${formatCidr(this.cluster)}": all ${this.size} subnets in use`);
  }
}

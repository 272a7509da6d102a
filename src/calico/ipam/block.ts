/**
 * An IPAM block, as libcalico-go's allocationBlock: a CIDR (a /26 by default) whose ordinals are
 * handed out from the front of `unallocated` and returned to its back (so a freed address is not
 * reused at once), each allocation pointing at an attribute entry naming its handle. Pure
 * functions over the wire object: the caller writes the result back with its resourceVersion.
 */
import type { AllocationAttribute, IPAMBlock, IPAMBlockSpec } from '../../api/calico.js';
import { CALICO_API_VERSION } from '../../api/calico.js';
import { ipv4ToNumber, numberToIPv4, parseIPv4Cidr } from '../../api/validation/ip.js';

/** The object name Calico's KDD uses for a block: `10.244.0.0/26` → `10-244-0-0-26`. */
export const blockName = (cidr: string): string => cidr.replace(/[./:]/g, '-');

/** `<node>-<block name>`, the BlockAffinity name. */
export const affinityName = (node: string, cidr: string): string => `${node}-${blockName(cidr)}`;

export const hostAffinity = (node: string): string => `host:${node}`;

export function newBlock(cidr: string, node: string | undefined): IPAMBlock {
  const net = parseIPv4Cidr(cidr);
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'IPAMBlock',
    metadata: { name: blockName(net.text) },
    spec: {
      cidr: net.text,
      ...(node ? { affinity: hostAffinity(node) } : {}),
      allocations: new Array<number | null>(net.size).fill(null),
      unallocated: Array.from({ length: net.size }, (_, i) => i),
      attributes: [],
      strictAffinity: false,
      deleted: false,
      sequenceNumber: 0,
    },
  };
}

export const ordinalToIP = (spec: Pick<IPAMBlockSpec, 'cidr'>, ordinal: number): string => numberToIPv4(parseIPv4Cidr(spec.cidr).base + ordinal);

/** The ordinal of `ip` in the block, or -1 when the block does not contain it. */
export function ipToOrdinal(spec: Pick<IPAMBlockSpec, 'cidr'>, ip: string): number {
  const net = parseIPv4Cidr(spec.cidr);
  const n = ipv4ToNumber(ip) - net.base;
  return n >= 0 && n < net.size ? n : -1;
}

const sameAttr = (a: AllocationAttribute, b: AllocationAttribute): boolean =>
  a.handle_id === b.handle_id && JSON.stringify(a.secondary ?? {}) === JSON.stringify(b.secondary ?? {});

/**
 * Takes the first free ordinal for `handleID` (reusing an identical attribute entry, as
 * libcalico-go does); returns the address, or undefined when the block is full. Mutates `spec`.
 */
export function assignFromBlock(spec: IPAMBlockSpec, handleID: string, secondary?: Record<string, string>): string | undefined {
  const ordinal = spec.unallocated.shift();
  if (ordinal === undefined) return undefined;
  const attr: AllocationAttribute = { handle_id: handleID, ...(secondary ? { secondary } : {}) };
  let idx = spec.attributes.findIndex((a) => sameAttr(a, attr));
  if (idx < 0) idx = spec.attributes.push(attr) - 1;
  spec.allocations[ordinal] = idx;
  spec.sequenceNumber = (spec.sequenceNumber ?? 0) + 1;
  return ordinalToIP(spec, ordinal);
}

/** Drops attribute entries no allocation points at, renumbering the rest. */
function compactAttributes(spec: IPAMBlockSpec): void {
  const used = [...new Set(spec.allocations.filter((a): a is number => a !== null))].sort((a, b) => a - b);
  const remap = new Map(used.map((old, i) => [old, i]));
  spec.attributes = used.map((i) => spec.attributes[i]);
  spec.allocations = spec.allocations.map((a) => (a === null ? null : remap.get(a)!));
}

/** Frees every address `handleID` holds in the block; returns them. Mutates `spec`. */
export function releaseHandleFromBlock(spec: IPAMBlockSpec, handleID: string): string[] {
  const freed: string[] = [];
  spec.allocations.forEach((a, ordinal) => {
    if (a !== null && spec.attributes[a]?.handle_id === handleID) {
      spec.allocations[ordinal] = null;
      spec.unallocated.push(ordinal);
      freed.push(ordinalToIP(spec, ordinal));
    }
  });
  if (freed.length > 0) {
    compactAttributes(spec);
    spec.sequenceNumber = (spec.sequenceNumber ?? 0) + 1;
  }
  return freed;
}

export const isEmptyBlock = (spec: IPAMBlockSpec): boolean => spec.allocations.every((a) => a === null);

/** Each allocated address with its attribute. */
export function allocationsOf(spec: IPAMBlockSpec): Array<{ ip: string; attr: AllocationAttribute }> {
  const out: Array<{ ip: string; attr: AllocationAttribute }> = [];
  spec.allocations.forEach((a, ordinal) => {
    if (a !== null) out.push({ ip: ordinalToIP(spec, ordinal), attr: spec.attributes[a] ?? {} });
  });
  return out;
}

/** The pool's blocks of `blockSize` in address order (the candidates a node may claim). */
export function* poolBlocks(pool: string, blockSize: number): Generator<string> {
  const net = parseIPv4Cidr(pool);
  if (blockSize < net.prefix || blockSize > 32) throw new Error(`calico ipam: Cannot split pool "${pool}" into /${blockSize} blocks: blockSize must be in ${net.prefix}..32`);
  const step = 2 ** (32 - blockSize);
  for (let b = net.base; b < net.base + net.size; b += step) yield `${numberToIPv4(b)}/${blockSize}`;
}

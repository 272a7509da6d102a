/**
 * crd.projectcalico.org/v1 IPAM objects: what Calico's CRD schemas require (spec.cidr a CIDR,
 * allocations sized to the block, state one of three), so a broken writer fails at the API
 * instead of corrupting another node's allocations.
 */
import type { BlockAffinity, IPAMBlock, IPAMHandle } from '../calico.js';
import { type FieldError, invalidValue, notSupported, required } from './field-errors.js';
import { CIDR_DETAIL, parseAnyCidr } from './ip.js';
import { isSupported } from './common.js';

function validateCidr(cidr: unknown, path: string): FieldError[] {
  if (cidr === undefined || cidr === '') return [required(path)];
  if (typeof cidr !== 'string' || !parseAnyCidr(cidr)) return [invalidValue(path, cidr, CIDR_DETAIL)];
  return [];
}

export function validateIPAMBlock(b: IPAMBlock): FieldError[] {
  const spec = b.spec;
  if (!spec) return [required('spec')];
  const errs = validateCidr(spec.cidr, 'spec.cidr');
  if (!Array.isArray(spec.allocations)) errs.push(required('spec.allocations'));
  if (!Array.isArray(spec.unallocated)) errs.push(required('spec.unallocated'));
  if (!Array.isArray(spec.attributes)) errs.push(required('spec.attributes'));
  const net = typeof spec.cidr === 'string' ? parseAnyCidr(spec.cidr) : undefined;
  if (net && Array.isArray(spec.allocations)) {
    const size = 2 ** ((net.family === 4 ? 32 : 128) - net.prefix);
    if (size <= 4096 && spec.allocations.length !== size) {
      errs.push(invalidValue('spec.allocations', spec.allocations.length, `must have one entry per address of ${spec.cidr} (${size})`));
    }
  }
  if (spec.affinity !== undefined && spec.affinity !== null && !/^host:.+/.test(spec.affinity)) {
    errs.push(invalidValue('spec.affinity', spec.affinity, 'must be "host:<node>"'));
  }
  return errs;
}

const STATES = ['confirmed', 'pending', 'pendingDeletion'];

export function validateBlockAffinity(a: BlockAffinity): FieldError[] {
  const spec = a.spec;
  if (!spec) return [required('spec')];
  const errs = validateCidr(spec.cidr, 'spec.cidr');
  if (!spec.node) errs.push(required('spec.node'));
  if (!isSupported(STATES, spec.state)) errs.push(notSupported('spec.state', spec.state, STATES));
  return errs;
}

export function validateIPAMHandle(h: IPAMHandle): FieldError[] {
  const spec = h.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  if (!spec.handleID) errs.push(required('spec.handleID'));
  if (spec.block !== undefined && (typeof spec.block !== 'object' || spec.block === null || Array.isArray(spec.block))) {
    errs.push(invalidValue('spec.block', spec.block, 'must be a map of block CIDR to count'));
  }
  return errs;
}

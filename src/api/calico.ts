/**
 * Calico's Kubernetes-datastore IPAM objects (group crd.projectcalico.org, v1, cluster-scoped),
 * as libcalico-go's KDD backend stores them: IPAMBlock, BlockAffinity, IPAMHandle. The wire
 * shapes only; the allocation logic lives in src/calico/ipam.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

export const CALICO_API_VERSION = 'crd.projectcalico.org/v1';

/** One allocation's attributes: who holds the ordinal (`handle_id`) and why (`secondary`). */
export interface AllocationAttribute {
  handle_id?: string;
  secondary?: Record<string, string>;
}

export interface IPAMBlockSpec {
  cidr: string;
  /** `host:<node>`; absent for a block with no affinity. */
  affinity?: string;
  /** Per ordinal: the index into `attributes`, or null when free. */
  allocations: Array<number | null>;
  /** Free ordinals, in the order they are handed out. */
  unallocated: number[];
  attributes: AllocationAttribute[];
  strictAffinity: boolean;
  deleted: boolean;
  sequenceNumber?: number;
}

export interface IPAMBlock {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: IPAMBlockSpec;
}

export type BlockAffinityState = 'confirmed' | 'pending' | 'pendingDeletion';

export interface BlockAffinitySpec {
  node: string;
  cidr: string;
  state: BlockAffinityState;
  /** A string, as Calico's CRD has it ("false"/"true"). */
  deleted: string;
}

export interface BlockAffinity {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: BlockAffinitySpec;
}

export interface IPAMHandleSpec {
  handleID: string;
  /** Block cidr → number of addresses this handle holds there. */
  block: Record<string, number>;
  deleted?: boolean;
}

export interface IPAMHandle {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: IPAMHandleSpec;
}

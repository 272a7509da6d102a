/**
 * What Calico's kube-controllers IPAM garbage collection decides, as a pure function of the
 * informer caches: allocations whose pod is gone, or is now on another node (at once when the
 * allocation's node is gone too, else after a grace period, since a pod cache can lag an ADD),
 * then the affinities and empty blocks of nodes that no longer exist. A block that still holds
 * an allocation is never released.
 */
import type { BlockAffinity, IPAMBlock } from '../../api/calico.js';
import { allocationsOf, isEmptyBlock } from './block.js';

export interface GcState {
  nodes: ReadonlySet<string>;
  /** `namespace/name` of every pod → its spec.nodeName ('' while unscheduled). */
  pods: ReadonlyMap<string, string>;
  blocks: readonly IPAMBlock[];
  affinities: readonly BlockAffinity[];
  /** Handle → when its pod was first seen missing (ms); updated by planGc. */
  leakSince: Map<string, number>;
  now: number;
  leakGracePeriodMs: number;
}

export interface GcPlan {
  /** Handles whose addresses are freed. */
  releaseHandles: string[];
  /** Affinity names to delete (before their blocks, so nobody announces a block being removed). */
  deleteAffinities: string[];
  /** Blocks to delete (name → the resourceVersion they were judged empty at). */
  deleteBlocks: Array<{ name: string; resourceVersion: string }>;
}

const nodeOfAffinity = (affinity: string | undefined): string | undefined => (affinity?.startsWith('host:') ? affinity.slice(5) : undefined);

/**
 * Whether the allocation's owner is gone for good; records first sightings in `leakSince`.
 * Its node is the one it names, else the block's (an allocation made without attributes).
 */
function isLeaked(s: GcState, handle: string, sec: Record<string, string> | undefined, blockNode: string | undefined, seen: Set<string>): boolean {
  const node = sec?.node ?? blockNode;
  const nodeGone = node !== undefined && !s.nodes.has(node);
  if (!sec?.namespace || !sec.pod) return nodeGone;
  // The pod owns the address while it exists on the allocation's node (a pod of the same name
  // elsewhere, e.g. a StatefulSet's replacement, is another pod).
  const podNode = s.pods.get(`${sec.namespace}/${sec.pod}`);
  if (podNode !== undefined && (!sec.node || podNode === sec.node)) return false;
  seen.add(handle);
  const since = s.leakSince.get(handle) ?? s.now;
  s.leakSince.set(handle, since);
  return nodeGone || s.now - since >= s.leakGracePeriodMs;
}

export function planGc(s: GcState): GcPlan {
  const release = new Set<string>();
  const seen = new Set<string>();
  for (const b of s.blocks) {
    const blockNode = nodeOfAffinity(b.spec!.affinity);
    for (const { attr } of allocationsOf(b.spec!)) {
      if (attr.handle_id && isLeaked(s, attr.handle_id, attr.secondary, blockNode, seen)) release.add(attr.handle_id);
    }
  }
  for (const h of [...s.leakSince.keys()]) if (!seen.has(h) || release.has(h)) s.leakSince.delete(h);
  // A gone node's block goes once it is empty as read (a later round, after the releases land).
  const goneBlocks = s.blocks.filter((b) => {
    const node = nodeOfAffinity(b.spec!.affinity);
    return node !== undefined && !s.nodes.has(node) && isEmptyBlock(b.spec!);
  });
  const blockCidrs = new Set(s.blocks.map((b) => b.spec!.cidr));
  const goneCidrs = new Set(goneBlocks.map((b) => b.spec!.cidr));
  const deleteAffinities = s.affinities
    .filter((a) => !s.nodes.has(a.spec!.node) && (goneCidrs.has(a.spec!.cidr) || !blockCidrs.has(a.spec!.cidr)))
    .map((a) => a.metadata!.name!);
  return {
    releaseHandles: [...release].sort(),
    deleteAffinities,
    deleteBlocks: goneBlocks.map((b) => ({ name: b.metadata!.name!, resourceVersion: b.metadata!.resourceVersion ?? '' })),
  };
}

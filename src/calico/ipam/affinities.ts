/**
 * Block affinities: which node owns which block. listAffineBlocks is what a BGP speaker
 * announces for its node; watchAffinities gives an Informer for following them.
 */
import type { BlockAffinity, IPAMBlock } from '../../api/calico.js';
import { type Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';

export const AFFINITIES = 'blockaffinities';
export const BLOCKS = 'ipamblocks';
export const HANDLES = 'ipamhandles';

/** Whether an affinity is a live, confirmed claim (the only kind a node announces or allocates from). */
export const isConfirmed = (a: BlockAffinity): boolean => a.spec?.state === 'confirmed' && a.spec.deleted !== 'true';

/** CIDRs sorted by address (so a node fills its first block first). */
export function sortCidrs(cidrs: string[]): string[] {
  const key = (c: string) => c.split(/[./]/).map((x) => x.padStart(3, '0')).join('.');
  return [...cidrs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The CIDRs of `affinities` confirmed for `node`, sorted. Pure: use it on an informer's cache. */
export function affineBlocksOf(affinities: readonly BlockAffinity[], node: string): string[] {
  return sortCidrs(affinities.filter((a) => a.spec?.node === node && isConfirmed(a)).map((a) => a.spec!.cidr));
}

/** The CIDRs of the blocks confirmed affine to `node` (e.g. `["10.244.0.0/26"]`), sorted. */
export async function listAffineBlocks(client: Client, node: string): Promise<string[]> {
  const list = await client.list<BlockAffinity>(AFFINITIES);
  return affineBlocksOf(list.items, node);
}

/**
 * An Informer over every BlockAffinity (not started: call start(), on(), stop()). Pair it with
 * affineBlocksOf(informer.list(), node) inside the handlers to recompute a node's blocks.
 */
export function watchAffinities(client: Client): Informer<BlockAffinity> {
  return new Informer<BlockAffinity>(client, AFFINITIES);
}

/** Every block in the datastore. */
export async function listBlocks(client: Client): Promise<IPAMBlock[]> {
  return (await client.list<IPAMBlock>(BLOCKS)).items;
}

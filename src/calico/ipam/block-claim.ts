/**
 * Claiming a new block for a node, libcalico-go's claimAffineBlock order: a pending
 * BlockAffinity first, then the IPAMBlock (whose create is the real arbiter: exactly one node
 * wins it), then the affinity confirmed. Losing the block to another node removes our pending
 * affinity and moves on to the next free block of the pool.
 */
import type { BlockAffinity, IPAMBlock } from '../../api/calico.js';
import { CALICO_API_VERSION } from '../../api/calico.js';
import { type Client, isAlreadyExists, isConflict, isNotFound } from '../../client/client.js';
import { AFFINITIES, BLOCKS, listBlocks } from './affinities.js';
import { affinityName, blockName, hostAffinity, newBlock, poolBlocks } from './block.js';

export interface PoolConfig {
  /** The pool CIDRs (the cluster CIDR), tried in order. */
  pools: string[];
  /** Default 26. */
  blockSize: number;
}

async function ensurePendingAffinity(client: Client, node: string, cidr: string): Promise<BlockAffinity> {
  const obj: BlockAffinity = {
    apiVersion: CALICO_API_VERSION,
    kind: 'BlockAffinity',
    metadata: { name: affinityName(node, cidr) },
    spec: { node, cidr, state: 'pending', deleted: 'false' },
  };
  try {
    return await client.create(AFFINITIES, undefined, obj);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    return client.get<BlockAffinity>(AFFINITIES, undefined, obj.metadata!.name!);
  }
}

/** Sets the affinity's state; a conflict is retried from a fresh read. */
async function setAffinityState(client: Client, name: string, state: 'confirmed'): Promise<void> {
  for (;;) {
    const cur = await client.get<BlockAffinity>(AFFINITIES, undefined, name);
    if (cur.spec?.state === state) return;
    try {
      await client.update(AFFINITIES, { ...cur, spec: { ...cur.spec!, state } });
      return;
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
}

/** Creates the block for `node`; false when another node holds it. */
async function createBlockFor(client: Client, node: string, cidr: string): Promise<boolean> {
  try {
    await client.create(BLOCKS, undefined, newBlock(cidr, node));
    return true;
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const cur = await client.get<IPAMBlock>(BLOCKS, undefined, blockName(cidr));
    return cur.spec?.affinity === hostAffinity(node);
  }
}

/**
 * Claims the first free block of the pools for `node` and returns its CIDR; throws when every
 * block of every pool is taken.
 */
export async function claimAffineBlock(client: Client, node: string, cfg: PoolConfig): Promise<string> {
  const taken = new Set((await listBlocks(client)).map((b) => b.spec?.cidr));
  for (const pool of cfg.pools) {
    for (const cidr of poolBlocks(pool, cfg.blockSize)) {
      if (taken.has(cidr)) continue;
      const aff = await ensurePendingAffinity(client, node, cidr);
      if (await createBlockFor(client, node, cidr)) {
        await setAffinityState(client, aff.metadata!.name!, 'confirmed');
        return cidr;
      }
      await client.delete(AFFINITIES, undefined, aff.metadata!.name!).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }
  throw new Error(`calico ipam: Cannot claim a block for node "${node}": every /${cfg.blockSize} block of ${cfg.pools.join(', ')} is taken`);
}

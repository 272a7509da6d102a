/**
 * Calico's IPAM over the Kubernetes datastore (libcalico-go lib/ipam, as facts): a node
 * allocates from the blocks affine to it, claiming a new /26 from the pool when they are full;
 * every block write is a compare-and-swap on resourceVersion, so two agents (or two nodes)
 * allocating at once never hand out one address twice, whatever the interleaving.
 */
import type { IPAMBlock } from '../../api/calico.js';
import { type Client, isConflict, isNotFound } from '../../client/client.js';
import { withHostLock } from './host-lock.js';
import { BLOCKS, listAffineBlocks, listBlocks } from './affinities.js';
import { assignFromBlock, blockName, hostAffinity, ordinalToIP, releaseHandleFromBlock } from './block.js';
import { type PoolConfig, claimAffineBlock } from './block-claim.js';
import { deleteHandle, incrementHandle } from './handles.js';

export interface CalicoIpamOptions {
  /** Default ['10.244.0.0/16']. */
  pools?: string[];
  /** Default 26. */
  blockSize?: number;
  /**
   * Serialize this process's assignments per node, as calico-ipam's host-wide IPAM lock
   * (default true). Correctness never depends on it: the block CAS does that.
   */
  hostLock?: boolean;
}

export interface AssignedIP {
  ip: string;
  /** The block the address came from. */
  cidr: string;
}

const MAX_ATTEMPTS = 200;
const jitter = (): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * 5));

export class CalicoIpam {
  private readonly cfg: PoolConfig;
  private readonly hostLock: boolean;

  constructor(private readonly client: Client, opts: CalicoIpamOptions = {}) {
    this.cfg = { pools: opts.pools ?? ['10.244.0.0/16'], blockSize: opts.blockSize ?? 26 };
    this.hostLock = opts.hostLock ?? true;
  }

  /**
   * One IPv4 address for `handleID` on `node` (AutoAssign with Num4=1): from the node's
   * confirmed affine blocks in address order, else from a newly claimed block. `secondary`
   * (namespace, pod, node) is kept with the allocation for garbage collection. Throws when the
   * pools are exhausted.
   */
  autoAssign(node: string, handleID: string, secondary?: Record<string, string>): Promise<AssignedIP> {
    const run = () => this.assign(node, handleID, secondary);
    return this.hostLock ? withHostLock(node, run) : run();
  }

  private async assign(node: string, handleID: string, secondary?: Record<string, string>): Promise<AssignedIP> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      for (const cidr of await listAffineBlocks(this.client, node)) {
        const ip = await this.assignInBlock(node, cidr, handleID, secondary);
        if (ip) {
          await incrementHandle(this.client, handleID, cidr);
          return { ip, cidr };
        }
      }
      await claimAffineBlock(this.client, node, this.cfg);
    }
    throw new Error(`calico ipam: Cannot assign an address to "${handleID}" on node "${node}": gave up after ${MAX_ATTEMPTS} attempts`);
  }

  /** The address taken in `cidr`, or undefined when the block is full, gone or not ours. */
  private async assignInBlock(node: string, cidr: string, handleID: string, secondary?: Record<string, string>): Promise<string | undefined> {
    for (;;) {
      let block: IPAMBlock;
      try {
        block = await this.client.get<IPAMBlock>(BLOCKS, undefined, blockName(cidr));
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
      const spec = block.spec!;
      if (spec.affinity !== hostAffinity(node) || spec.deleted) return undefined;
      const ip = assignFromBlock(spec, handleID, secondary);
      if (!ip) return undefined;
      try {
        await this.client.update(BLOCKS, block);
        return ip;
      } catch (e) {
        if (!isConflict(e)) throw e;
        await jitter();
      }
    }
  }

  /**
   * Frees every address `handleID` holds, in every block, then deletes the handle. Idempotent:
   * an unknown handle frees nothing. Returns the freed addresses. With `node` (the releasing
   * node) it takes that node's host lock, as calico-ipam's DEL does, so a burst of DELs does not
   * turn into a storm of conflicts on the node's blocks.
   */
  releaseByHandle(handleID: string, node?: string): Promise<string[]> {
    const run = () => this.release(handleID);
    return this.hostLock && node ? withHostLock(node, run) : run();
  }

  private async release(handleID: string): Promise<string[]> {
    const freed: string[] = [];
    for (const b of await listBlocks(this.client)) {
      if (b.spec?.attributes.some((a) => a.handle_id === handleID)) freed.push(...(await releaseInBlock(this.client, b.spec.cidr, handleID)));
    }
    await deleteHandle(this.client, handleID);
    return freed;
  }

  /** The addresses `handleID` holds now (IPsByHandle). */
  async ipsByHandle(handleID: string): Promise<string[]> {
    const out: string[] = [];
    for (const b of await listBlocks(this.client)) {
      b.spec?.allocations.forEach((a, ordinal) => {
        if (a !== null && b.spec!.attributes[a]?.handle_id === handleID) out.push(ordinalToIP(b.spec!, ordinal));
      });
    }
    return out;
  }
}

/** Frees `handleID`'s addresses in one block (CAS, retried); a vanished block frees nothing. */
export async function releaseInBlock(client: Client, cidr: string, handleID: string): Promise<string[]> {
  for (;;) {
    let block: IPAMBlock;
    try {
      block = await client.get<IPAMBlock>(BLOCKS, undefined, blockName(cidr));
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    const freed = releaseHandleFromBlock(block.spec!, handleID);
    if (freed.length === 0) return [];
    try {
      await client.update(BLOCKS, block);
      return freed;
    } catch (e) {
      if (!isConflict(e)) throw e;
      await jitter();
    }
  }
}

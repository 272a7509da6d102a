/**
 * Node IPAM (range allocator): gives every Node without one a `spec.podCIDR`/`podCIDRs` from the
 * cluster CIDR. The allocator is rebuilt from the nodes on every sync, so a deleted node's
 * subnet is free again and a restart finds the same state.
 */
import type { Node } from '../api/types.js';
import { type Client, isNotFound } from '../client/client.js';
import { BaseController, type ControllerOptions } from './base-controller.js';
import { CidrSet } from './cidr-allocator.js';

export interface NodeIpamOptions extends ControllerOptions {
  clusterCIDR?: string;
  nodeCIDRMaskSize?: number;
}

export class NodeIpamController extends BaseController {
  private readonly clusterCIDR: string;
  private readonly maskSize: number;
  /** Assigned by us but not yet seen in the cache. */
  private readonly inFlight = new Map<string, string>();

  constructor(client: Client, opts: NodeIpamOptions = {}) {
    super(client, 'node-ipam-controller', ['nodes'], opts);
    this.clusterCIDR = opts.clusterCIDR ?? '10.244.0.0/16';
    this.maskSize = opts.nodeCIDRMaskSize ?? 24;
    new CidrSet(this.clusterCIDR, this.maskSize); // validate now, not at the first sync
  }

  protected async sync(): Promise<void> {
    const nodes = this.informers.get<Node>('nodes').list();
    const set = new CidrSet(this.clusterCIDR, this.maskSize);
    const names = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const [name, cidr] of this.inFlight) {
      if (names.has(name) && !nodes.find((n) => n.metadata?.name === name)?.spec?.podCIDR) set.occupy(cidr);
      else this.inFlight.delete(name);
    }
    for (const n of nodes) for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) set.occupy(c);
    const pending = nodes
      .filter((n) => !n.spec?.podCIDR && !this.inFlight.has(n.metadata?.name ?? ''))
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
    await this.forEach(pending, (n) => this.allocate(n, set));
  }

  private async allocate(node: Node, set: CidrSet): Promise<void> {
    const cidr = set.allocateNext();
    const name = node.metadata?.name ?? '';
    try {
      await this.client.patch('nodes', undefined, name, {
        metadata: { resourceVersion: node.metadata?.resourceVersion },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
      this.inFlight.set(name, cidr);
    } catch (e) {
      set.release(cidr);
      if (!isNotFound(e)) throw e;
    }
  }
}

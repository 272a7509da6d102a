/**
 * What the node's `ip kube-proxy` table holds now: chain and set names, read with
 * `nft -t -j list table` (terse: no set elements), so a sync can delete what it no longer wants.
 */
import { isNotFound, nft } from '../dataplane/exec.js';
import { FIREWALL_IPS_MAP, TABLE_NAME } from './base-rules.js';

export interface TableContents {
  chains: string[];
  sets: string[];
  /** Base chains as `name type hook priority`, to notice a table written by another layout. */
  baseChains: string[];
}

interface NftJsonObject {
  chain?: { name: string; table: string; type?: string; hook?: string; prio?: number };
  set?: { name: string; table: string };
  map?: { name: string; table: string };
}

/** Parses `nft -j list table` output into names (maps count as sets). */
export function parseTableContents(json: string): TableContents {
  const doc = JSON.parse(json) as { nftables?: NftJsonObject[] };
  const out: TableContents = { chains: [], sets: [], baseChains: [] };
  for (const o of doc.nftables ?? []) {
    if (o.chain) out.chains.push(o.chain.name);
    if (o.chain?.hook) out.baseChains.push(`${o.chain.name} ${o.chain.type} ${o.chain.hook} ${o.chain.prio}`);
    if (o.set) out.sets.push(o.set.name);
    if (o.map) out.sets.push(o.map.name);
  }
  return out;
}

/** Lists the table in `netns`; a missing table is empty. */
export async function readTableContents(netns: string | undefined): Promise<TableContents> {
  try {
    return parseTableContents(await nft(netns, ['-t', '-j', 'list', 'table', 'ip', TABLE_NAME]));
  } catch (e) {
    if (isNotFound(e)) return { chains: [], sets: [], baseChains: [] };
    throw e;
  }
}

/**
 * Whether `ip kube-proxy` exists in `netns`, by listing its `firewall-ips` map tersely. nft 1.0.6
 * reads every rule of the table to list a chain, and even to list the table names; a set is
 * listed without that, but with its elements even with -t, so the canary is a map that stays
 * small (one element per load-balancer IP with source ranges): at 10,000 Services 5 ms, where
 * `cluster-ips` (10,000 elements) took 70-110 ms.
 */
export async function tableExists(netns: string | undefined): Promise<boolean> {
  try {
    await nft(netns, ['-t', 'list', 'map', 'ip', TABLE_NAME, FIREWALL_IPS_MAP]);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

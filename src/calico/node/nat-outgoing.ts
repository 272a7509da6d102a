/**
 * Felix's IP pool `natOutgoing` (felix/rules/nat.go, chain `cali-nat-outgoing` with the ipsets
 * `cali40masq-ipam-pools` and `cali40all-ipam-pools`), in nftables form: traffic from a
 * natOutgoing pool to anywhere outside every pool is masqueraded to the node's address; pod to
 * pod (any pool to any pool) keeps its source. Without it the outside host and the control plane
 * would see pod addresses they have no route back to.
 */
import { nft, nftApply } from '../../dataplane/exec.js';

export const NAT_TABLE = 'calico';

/** The `nft -f` text: both sets, the postrouting chain; idempotent (flushes what it rewrites). */
export function renderNatOutgoing(masqPools: readonly string[], allPools: readonly string[]): string {
  const t = `ip ${NAT_TABLE}`;
  const add = (set: string, cidrs: readonly string[]) => (cidrs.length ? [`add element ${t} ${set} { ${cidrs.join(', ')} }`] : []);
  return [
    `add table ${t} { comment "podnet calico-node: Felix natOutgoing" ; }`,
    `add set ${t} masq-ipam-pools { type ipv4_addr ; flags interval ; comment "cali40masq-ipam-pools" ; }`,
    `flush set ${t} masq-ipam-pools`,
    `add set ${t} all-ipam-pools { type ipv4_addr ; flags interval ; comment "cali40all-ipam-pools" ; }`,
    `flush set ${t} all-ipam-pools`,
    ...add('masq-ipam-pools', masqPools),
    ...add('all-ipam-pools', allPools),
    `add chain ${t} nat-postrouting { type nat hook postrouting priority srcnat ; }`,
    `flush chain ${t} nat-postrouting`,
    `add chain ${t} cali-nat-outgoing`,
    `flush chain ${t} cali-nat-outgoing`,
    `add rule ${t} nat-postrouting jump cali-nat-outgoing`,
    `add rule ${t} cali-nat-outgoing ip saddr @masq-ipam-pools ip daddr != @all-ipam-pools masquerade fully-random`,
    '',
  ].join('\n');
}

/** Writes the rules in `netns` as one transaction. */
export async function ensureNatOutgoing(netns: string, masqPools: readonly string[], allPools: readonly string[]): Promise<void> {
  await nftApply(netns, renderNatOutgoing(masqPools, allPools));
}

/** Removes the table; a missing one is fine. */
export async function deleteNatOutgoing(netns: string): Promise<void> {
  await nft(netns, ['delete', 'table', 'ip', NAT_TABLE], { allowFailure: true });
}

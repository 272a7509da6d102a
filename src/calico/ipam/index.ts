/**
 * Calico-style IPAM over the API (crd.projectcalico.org/v1 IPAMBlock, BlockAffinity,
 * IPAMHandle; wire types in src/api/calico.ts).
 *
 * What other components use:
 * - `new CalicoIpam(client, { pools, blockSize })`: `autoAssign(node, handleID, secondary?)`
 *   → `{ ip, cidr }`, `releaseByHandle(handleID)` → freed IPs (idempotent), `ipsByHandle(id)`.
 *   The calico-ipam CNI plugin calls these; handle ids are `<network>.<containerID>`.
 * - `listAffineBlocks(client, node)` → the CIDRs of the blocks confirmed affine to `node`,
 *   sorted: what a node's BGP speaker announces.
 * - Following affinities (BGP-B): `const inf = watchAffinities(client)`, then
 *   `inf.on({ add, update, delete })` and `await inf.start()`; in each handler recompute
 *   `affineBlocksOf(inf.list(), node)` (level-triggered: ignore what changed, read the cache).
 *   `inf.stop()` ends it.
 * - `startCalicoIpamController(client, opts?)` in the control plane (backend bgp): releases the
 *   blocks and affinities of deleted Nodes and the allocations of pods that no longer exist.
 */
export { CalicoIpam, type AssignedIP, type CalicoIpamOptions, releaseInBlock } from './ipam.js';
export { affineBlocksOf, isConfirmed, listAffineBlocks, listBlocks, watchAffinities } from './affinities.js';
export { claimAffineBlock, type PoolConfig } from './block-claim.js';
export { affinityName, blockName } from './block.js';
export { getHandle, handleName } from './handles.js';
export { startCalicoIpamController, type CalicoIpamController, type CalicoIpamControllerOptions } from './gc-controller.js';
export { planGc, type GcPlan, type GcState } from './gc-plan.js';

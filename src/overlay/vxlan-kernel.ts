/**
 * Reads and changes the per-peer state on flannel.1 (routes, permanent neighbours, FDB) in a
 * node's namespace, in batch form: `ip -batch` for routes and neighbours, `bridge -batch` for FDB.
 */
import { ipBatch, ipJson, run } from '../dataplane/exec.js';
import { VXLAN_DEVICE } from './vxlan-device.js';
import type { VxlanDiff, VxlanState } from './vxlan-desired.js';

interface RouteJson { dst: string; gateway?: string }
interface NeighJson { dst: string; lladdr?: string; state?: string[] }
interface FdbJson { mac: string; dst?: string }

/** The routes via a gateway, permanent neighbours and FDB entries with a destination on flannel.1. */
export async function readVxlanState(netns: string): Promise<VxlanState> {
  const routes = await ipJson<RouteJson[]>(netns, ['route', 'show', 'dev', VXLAN_DEVICE]);
  const neighs = await ipJson<NeighJson[]>(netns, ['neigh', 'show', 'dev', VXLAN_DEVICE, 'nud', 'permanent']);
  const fdbOut = (await run('bridge', ['-n', netns, '-j', 'fdb', 'show', 'dev', VXLAN_DEVICE])).stdout;
  const fdb = (fdbOut.trim() ? JSON.parse(fdbOut) : []) as FdbJson[];
  return {
    routes: routes.filter((r) => r.gateway).map((r) => ({ dst: r.dst, via: r.gateway as string })),
    neighs: neighs.filter((n) => n.lladdr).map((n) => ({ ip: n.dst, mac: (n.lladdr as string).toLowerCase() })),
    fdb: fdb.filter((f) => f.dst).map((f) => ({ mac: f.mac.toLowerCase(), dst: f.dst as string })),
  };
}

/**
 * Applies a diff in flannel's order: on removal route, then neighbour, then FDB; on addition
 * neighbour and FDB before the route that needs them.
 */
export async function applyVxlanDiff(netns: string, d: VxlanDiff): Promise<void> {
  const dev = VXLAN_DEVICE;
  // -force: an entry already gone (e.g. removed with its route) must not stop the rest.
  await ipBatch(netns, [
    ...d.remove.routes.map((r) => `route del ${r.dst} via ${r.via} dev ${dev}`),
    ...d.remove.neighs.map((n) => `neigh del ${n.ip} dev ${dev}`),
  ], true).catch(() => undefined);
  await bridgeBatch(netns, d.remove.fdb.map((f) => `fdb del ${f.mac} dev ${dev} dst ${f.dst}`), true);
  await ipBatch(netns, d.add.neighs.map((n) => `neigh replace ${n.ip} lladdr ${n.mac} dev ${dev} nud permanent`));
  await bridgeBatch(netns, d.add.fdb.map((f) => `fdb append ${f.mac} dev ${dev} dst ${f.dst} self permanent`), false);
  await ipBatch(netns, d.add.routes.map((r) => `route replace ${r.dst} via ${r.via} dev ${dev} onlink`));
}

async function bridgeBatch(netns: string, lines: readonly string[], tolerant: boolean): Promise<void> {
  if (lines.length === 0) return;
  const args = ['-n', netns, ...(tolerant ? ['-force'] : []), '-batch', '-'];
  await run('bridge', args, { input: lines.join('\n') + '\n', allowFailure: tolerant });
}

/**
 * Proxy sync time for 100, 1,000 and 10,000 Services × 10 endpoints, and the time to apply ONE
 * Service change (one endpoint replaced) by a partial sync at each size, relative to at 100
 * (goal: close to 1). The proxier's own sync path runs on pure objects (what its informers would
 * hold): in nftables mode the informer event goes to a ServiceChangeTracker, the changed Service's
 * fragment is rebuilt in the ServiceTable and its delta sent as the proxier's blocks-form script
 * with a real `nft -f` into a throwaway netns per size; the stale-chain delete the proxier queues
 * a second later is timed on its own. After each change the kernel floor (proxy-sync-floor.ts:
 * the smallest transactions any proxy must send for it, same table, same netns) is timed too, and
 * our apply is reported relative to it (≈ 1: what remains is the kernel's commit).
 * The iptables mode likewise (proxy-sync-iptables.ts; iptables-restore --noflush): `iptables` is
 * Debian's default iptables-nft, `iptables-legacy` the same ruleset text through
 * iptables-legacy-restore (x_tables), a bench-only variant.
 * Usage: node dist/bench/proxy-sync.js [sizes=100,1000,10000] [changes=7] [modes=nftables,iptables[,iptables-legacy]]
 */
import type { EndpointSlice, KubeObject, Service } from '../src/api/types.js';
import { nft, nftApply } from '../src/dataplane/exec.js';
import { netnsAdd } from '../src/dataplane/netns.js';
import { ServiceChangeTracker, serviceKey } from '../src/proxy/change-tracker.js';
import { IPTABLES_LEGACY_TOOLS, IPTABLES_TOOLS } from '../src/proxy/iptables/kernel.js';
import { readTableContents, tableExists } from '../src/proxy/kernel-state.js';
import { buildServiceFragment, ServiceTable } from '../src/proxy/service-table.js';
import { deltaTransaction, fullSyncTransaction, partialSyncScript } from '../src/proxy/sync-proxy-rules.js';
import { cleanupPrefix, leftovers, testPrefix } from '../test/helpers/proxy-netns.js';
import { fillerEndpoints, makeServiceSet, ms, NODE_OPTS, slice, stats, type ServiceSet } from './proxy-fixture.js';
import { measureKernelFloor } from './proxy-sync-floor.js';
import { iptablesMode } from './proxy-sync-iptables.js';
import type { FloorTimes, SliceChange, SyncMode, Timing } from './proxy-sync-mode.js';

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

/**
 * The nftables proxier's sync (proxier.ts syncProxyRules), step by step, timed: the informer
 * events go into a ServiceChangeTracker; a full sync builds every Service's fragment, a partial
 * sync rebuilds the changed Services' fragments and writes the ServiceTable's delta.
 */
function nftablesMode(netns: string): SyncMode {
  const tracker = new ServiceChangeTracker();
  const services = new Map<string, Svc>();
  let table: ServiceTable | undefined;
  const stale: string[] = [];
  const node = { nodeName: NODE_OPTS.nodeName, nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR };
  const fragment = (key: string) => buildServiceFragment(services.get(key), tracker.slicesOf(key), node);
  const apply = async (t0: bigint, readMs: number, script: string, ops: number): Promise<Timing> => {
    const computeMs = ms(t0) - readMs;
    const t1 = process.hrtime.bigint();
    if (ops > 0) await nftApply(netns, script);
    return { readMs, computeMs, applyMs: ms(t1), totalMs: ms(t0), ops };
  };
  return {
    name: 'nftables',
    async fullSync(set) {
      // What the informers' initial lists deliver before the first sync (not timed).
      for (const svc of set.services as Svc[]) {
        services.set(serviceKey(svc.metadata?.namespace, svc.metadata!.name!), svc);
        tracker.serviceHandler.add!(svc);
      }
      for (const slice of set.slices as Slice[]) tracker.sliceHandler.add!(slice);
      const t0 = process.hrtime.bigint();
      const existing = await readTableContents(netns);
      const readMs = ms(t0);
      tracker.take();
      const fresh = new ServiceTable();
      for (const key of services.keys()) fresh.setService(key, fragment(key));
      fresh.takeDelta();
      const { tx } = fullSyncTransaction({ nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR, serviceCIDR: NODE_OPTS.serviceCIDR, existing }, fresh.desired);
      if (tx.err) throw tx.err;
      const timing = await apply(t0, readMs, tx.toString(), tx.numOperations);
      table = fresh;
      return timing;
    },
    async partialSync(_set, change) {
      if (!table) throw new Error('partialSync before a full sync');
      tracker.sliceHandler.update!(change.old as Slice, change.now as Slice);
      const t0 = process.hrtime.bigint();
      // The proxier's canary: a partial sync first checks the table is still there.
      if (!(await tableExists(netns))) throw new Error(`table vanished from ${netns}`);
      const readMs = ms(t0);
      for (const key of tracker.take()) table.setService(key, fragment(key));
      const delta = table.takeDelta();
      stale.push(...delta.deleteChains);
      const tx = deltaTransaction(delta, { deleteGoneChains: false });
      if (tx.err) throw tx.err;
      return apply(t0, readMs, partialSyncScript(tx, table.desired), tx.numOperations);
    },
    async deleteStale() {
      if (stale.length === 0) return undefined;
      const t0 = process.hrtime.bigint();
      const tx = deltaTransaction({ writeChains: [], deleteChains: [], addSets: [], deleteSets: [], deleteElements: [], addElements: [] });
      for (const name of stale.splice(0)) tx.delete({ kind: 'chain', name });
      return apply(t0, 0, partialSyncScript(tx, table!.desired), tx.numOperations);
    },
    kernelFloor(svcName, ip) {
      return measureKernelFloor(netns, table!.desired, svcName, ip);
    },
    async verifyEndpoint(svcName, ip) {
      const chain = [...table!.desired.chains.keys()].find((c) => c.startsWith('service-') && c.endsWith(`-default/${svcName}/tcp/http`));
      if (!chain) throw new Error(`no service chain for ${svcName}`);
      const listing = await nft(netns, ['list', 'chain', 'ip', 'kube-proxy', chain]);
      if (!listing.includes(`__${ip}/`)) throw new Error(`${chain} does not reach ${ip}:\n${listing}`);
    },
  };
}

interface SizeResult { size: number; full: Timing; change: Timing[]; staleDelete: Timing[]; floor: FloorTimes[] }

/** One Service change: the first endpoint of Service i replaced by a fresh pod IP. */
function changeOne(set: ServiceSet, i: number, generation: number): { ip: string; change: SliceChange } {
  const ips = fillerEndpoints(i);
  ips[0] = `10.244.255.${generation}`; // 10.244.255.0/24 is never a filler endpoint
  const old = set.slices[i];
  set.slices[i] = slice(`svc-${i}`, ips);
  return { ip: ips[0], change: { old, now: set.slices[i] } };
}

async function measureSize(mode: SyncMode, size: number, changes: number): Promise<SizeResult> {
  const set = makeServiceSet(size);
  const r: SizeResult = { size, full: await mode.fullSync(set), change: [], staleDelete: [], floor: [] };
  console.error(`  ${mode.name} ${size}: full sync ${(r.full.totalMs / 1000).toFixed(1)} s (apply ${(r.full.applyMs / 1000).toFixed(1)} s)`);
  for (let c = 1; c <= changes; c++) {
    const i = Math.floor((c * size) / (changes + 1)); // spread over the set
    const { ip: newIP, change: ev } = changeOne(set, i, c);
    r.change.push(await mode.partialSync(set, ev));
    const del = await mode.deleteStale?.();
    if (del) r.staleDelete.push(del);
    // Right after our change, on the same table: the floor of the same change.
    const floor = await mode.kernelFloor?.(`svc-${i}`, newIP);
    if (floor) r.floor.push(floor);
    // Checked once per size: listing a 10,000-Service ruleset is slow in both modes.
    if (c === changes) await mode.verifyEndpoint(`svc-${i}`, newIP);
  }
  return r;
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const median = (xs: readonly number[]) => stats(xs).median;
const medianOf = (ts: readonly Timing[], k: 'readMs' | 'computeMs' | 'applyMs' | 'totalMs') => median(ts.map((t) => t[k]));

/** One size's lines, printed as soon as it is measured (a long run killed later keeps them). */
function reportSize(mode: string, r: SizeResult, base: SizeResult): void {
  const ch = stats(r.change.map((t) => t.totalMs));
  const med = (k: 'readMs' | 'computeMs' | 'applyMs') => f1(medianOf(r.change, k));
  const rel = (k: 'computeMs' | 'applyMs') => f2(medianOf(r.change, k) / medianOf(base.change, k));
  const parts = (t: Timing) => `read ${f1(t.readMs)}, compute ${f1(t.computeMs)}, apply ${f1(t.applyMs)}, ${t.ops} ops`;
  console.log(`${mode} ${String(r.size).padStart(6)} Services: full ${f1(r.full.totalMs)} ms (${parts(r.full)})`);
  console.log(`          one change: median ${f1(ch.median)} ms (canary ${med('readMs')}, compute ${med('computeMs')}, apply ${med('applyMs')},`
    + ` ${r.change[0].ops} ops), max ${f1(ch.p99)} ms; ratio to ${base.size} Services: ${f2(ch.median / medianOf(base.change, 'totalMs'))}`
    + ` (compute ${rel('computeMs')}, apply ${rel('applyMs')})`);
  if (r.staleDelete.length > 0) {
    console.log(`          stale-chain delete a second later: median ${f1(medianOf(r.staleDelete, 'totalMs'))} ms (${r.staleDelete[0].ops} ops)`);
  }
  for (const kind of r.floor.length > 0 ? Object.keys(r.floor[0]) : []) {
    const floor = median(r.floor.map((f) => f[kind]));
    console.log(`          kernel floor '${kind}': median ${f1(floor)} ms; our apply / floor ${f2(medianOf(r.change, 'applyMs') / floor)},`
      + ` our whole change / floor ${f2(ch.median / floor)}; floor ratio to ${base.size} Services: ${f2(floor / median(base.floor.map((f) => f[kind])))}`);
  }
}

const MODES: Record<string, { short: string; make(ns: string): SyncMode }> = {
  nftables: { short: 'nft', make: nftablesMode },
  iptables: { short: 'ipt', make: (ns) => iptablesMode('iptables', ns, IPTABLES_TOOLS) },
  'iptables-legacy': { short: 'leg', make: (ns) => iptablesMode('iptables-legacy', ns, IPTABLES_LEGACY_TOOLS) },
};

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '100,1000,10000').split(',').map(Number);
  const changes = Number(process.argv[3] ?? 7);
  if (sizes.some((s) => !Number.isInteger(s) || s < 10) || !(changes >= 1 && changes <= 250)) {
    throw new Error('usage: proxy-sync.js [sizes, each >= 10] [changes 1..250]');
  }
  const modes = (process.argv[4] ?? 'nftables,iptables').split(',');
  const bad = modes.find((m) => !MODES[m]);
  if (bad) throw new Error(`modes: unknown mode ${JSON.stringify(bad)} (${Object.keys(MODES).join(', ')})`);
  console.log(`Proxy sync, Services × 10 endpoints, ${changes} single-Service changes per size (node ${process.version}, ${new Date().toISOString()})`);
  const prefix = testPrefix();
  try {
    const first = new Map<string, SizeResult>();
    for (const size of sizes) {
      for (const m of modes) {
        const ns = `${prefix}${MODES[m].short}${size}`;
        await netnsAdd(ns); // one fresh netns per mode and size
        const r = await measureSize(MODES[m].make(ns), size, changes);
        if (!first.has(m)) first.set(m, r);
        reportSize(m, r, first.get(m)!);
      }
    }
  } finally {
    await cleanupPrefix(prefix);
    const left = await leftovers(prefix);
    if (left.length > 0) console.error(`left behind: ${left.join(', ')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

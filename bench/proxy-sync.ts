/**
 * Proxy sync time for 100, 1,000 and 10,000 Services × 10 endpoints, and the time to apply ONE
 * Service change (one endpoint replaced) by a partial sync at each size, relative to at 100
 * (goal: close to 1). The proxier's own sync path runs on pure objects (what its informers would
 * hold): in nftables mode the informer event goes to a ServiceChangeTracker, the changed Service's
 * fragment is rebuilt in the ServiceTable and its delta sent as the proxier's blocks-form script
 * with a real `nft -f` into a throwaway netns per size; the stale-chain delete the proxier queues
 * a second later is timed on its own.
 * The iptables mode likewise (iptables-restore --noflush; Debian's iptables is iptables-nft).
 * Usage: node dist/bench/proxy-sync.js [sizes=100,1000,10000] [changes=7] [modes=nftables,iptables]
 */
import type { EndpointSlice, Service } from '../src/api/types.js';
import { nft, nftApply } from '../src/dataplane/exec.js';
import { netnsAdd } from '../src/dataplane/netns.js';
import type { KubeObject } from '../src/api/types.js';
import { ServiceChangeTracker, serviceKey } from '../src/proxy/change-tracker.js';
import { buildEndpointsMap } from '../src/proxy/endpoints.js';
import { readTableContents, tableExists } from '../src/proxy/kernel-state.js';
import { buildServicePorts } from '../src/proxy/service-port.js';
import { buildServiceFragment, ServiceTable } from '../src/proxy/service-table.js';
import { deltaTransaction, fullSyncTransaction, partialSyncScript, type ProxyState } from '../src/proxy/sync-proxy-rules.js';
import { buildIptablesRuleset, jumpRules, planFullSync, planPartialSync, type IptablesRuleset } from '../src/proxy/iptables/index.js';
import { canaryExists, ensureCanary, ensureJumpRules, iptablesRestore, listNatChains } from '../src/proxy/iptables/kernel.js';
import { run } from '../src/dataplane/exec.js';
import { cleanupPrefix, leftovers, testPrefix } from '../test/helpers/proxy-netns.js';
import { fillerEndpoints, makeServiceSet, ms, NODE_OPTS, slice, stats, type ServiceSet } from './proxy-fixture.js';

/**
 * Wall time of one sync: the kernel reads (full sync: the table's chain and set names; partial:
 * the canary), what the proxier computes (model + ruleset text), and the `nft -f` apply.
 */
interface Timing { readMs: number; computeMs: number; applyMs: number; totalMs: number; ops: number }

interface SliceChange { old: EndpointSlice; now: EndpointSlice }
type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

/** One proxy mode under test, holding what its last sync wrote (for partial syncs). */
interface SyncMode {
  name: string;
  fullSync(set: ServiceSet): Promise<Timing>;
  /** After `change` (one slice replaced in `set`), as the informer would report it. */
  partialSync(set: ServiceSet, change: SliceChange): Promise<Timing>;
  /** The proxier's sync a second after a change: deletes the chains the change flushed (nftables). */
  deleteStale?(): Promise<Timing | undefined>;
  /** Throws unless the kernel holds `ip` among the endpoints of Service `svcName`. */
  verifyEndpoint(svcName: string, ip: string): Promise<void>;
}

function proxyState(set: ServiceSet): ProxyState {
  return {
    servicePorts: buildServicePorts(set.services as Service[]),
    endpoints: buildEndpointsMap(set.slices as EndpointSlice[], NODE_OPTS.nodeName),
    nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR, serviceCIDR: NODE_OPTS.serviceCIDR,
  };
}

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
    async verifyEndpoint(svcName, ip) {
      const chain = [...table!.desired.chains.keys()].find((c) => c.startsWith('service-') && c.endsWith(`-default/${svcName}/tcp/http`));
      if (!chain) throw new Error(`no service chain for ${svcName}`);
      const listing = await nft(netns, ['list', 'chain', 'ip', 'kube-proxy', chain]);
      if (!listing.includes(`__${ip}/`)) throw new Error(`${chain} does not reach ${ip}:\n${listing}`);
    },
  };
}

/** The iptables proxier's sync (iptables/proxier.ts syncProxyRules), step by step, timed. */
function iptablesMode(netns: string): SyncMode {
  let written: IptablesRuleset | undefined;
  const desiredOf = (set: ServiceSet) => {
    const st = proxyState(set);
    return buildIptablesRuleset({ servicePorts: st.servicePorts, endpoints: st.endpoints, nodeIP: NODE_OPTS.nodeIP, clusterCIDR: NODE_OPTS.clusterCIDR });
  };
  const timed = async (t0: bigint, readMs: number, input: string, after?: () => Promise<void>): Promise<Timing> => {
    const computeMs = ms(t0) - readMs;
    const t1 = process.hrtime.bigint();
    await iptablesRestore(netns, input);
    if (after) await after();
    return { readMs, computeMs, applyMs: ms(t1), totalMs: ms(t0), ops: input.split('\n').length };
  };
  return {
    name: 'iptables',
    async fullSync(set) {
      const t0 = process.hrtime.bigint();
      await ensureCanary(netns);
      const chains = await listNatChains(netns);
      const readMs = ms(t0);
      const desired = desiredOf(set);
      const timing = await timed(t0, readMs, planFullSync(desired, chains).input, () => ensureJumpRules(netns, jumpRules()));
      written = desired;
      return timing;
    },
    async partialSync(set) {
      if (!written) throw new Error('partialSync before a full sync');
      const t0 = process.hrtime.bigint();
      if (!(await canaryExists(netns))) throw new Error(`canary vanished from ${netns}`);
      const readMs = ms(t0);
      const desired = desiredOf(set);
      const timing = await timed(t0, readMs, planPartialSync(desired, written).input);
      written = desired;
      return timing;
    },
    async verifyEndpoint(_svcName, ip) {
      const save = (await run('ip', ['netns', 'exec', netns, 'iptables-save', '-t', 'nat'])).stdout;
      if (!save.includes(`--to-destination ${ip}:8080`)) throw new Error(`no DNAT to ${ip}:8080 in ${netns}`);
    },
  };
}

interface SizeResult { size: number; full: Timing; change: Timing[]; staleDelete: Timing[] }

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
  const full = await mode.fullSync(set);
  const change: Timing[] = [];
  const staleDelete: Timing[] = [];
  for (let c = 1; c <= changes; c++) {
    const i = Math.floor((c * size) / (changes + 1)); // spread over the set
    const { ip: newIP, change: ev } = changeOne(set, i, c);
    change.push(await mode.partialSync(set, ev));
    const del = await mode.deleteStale?.();
    if (del) staleDelete.push(del);
    // Checked once per size: listing a 10,000-Service ruleset is slow in both modes.
    if (c === changes) await mode.verifyEndpoint(`svc-${i}`, newIP);
  }
  return { size, full, change, staleDelete };
}

const f1 = (x: number) => x.toFixed(1);

function report(mode: string, results: SizeResult[]): void {
  console.log(`\n${mode}: full sync (model + ruleset + apply), then one Service change by partial sync`);
  const base = stats(results[0].change.map((t) => t.totalMs)).median;
  for (const r of results) {
    const ch = stats(r.change.map((t) => t.totalMs));
    const med = (k: 'readMs' | 'computeMs' | 'applyMs') => f1(stats(r.change.map((t) => t[k])).median);
    const parts = (t: Timing) => `read ${f1(t.readMs)}, compute ${f1(t.computeMs)}, apply ${f1(t.applyMs)}, ${t.ops} ops`;
    console.log(`  ${String(r.size).padStart(6)} Services: full ${f1(r.full.totalMs)} ms (${parts(r.full)})`);
    console.log(`          one change: median ${f1(ch.median)} ms (canary ${med('readMs')}, compute ${med('computeMs')}, apply ${med('applyMs')},`
      + ` ${r.change[0].ops} ops), max ${f1(ch.p99)} ms; ratio to ${results[0].size} Services: ${(ch.median / base).toFixed(2)}`
      + ` (compute ${(stats(r.change.map((t) => t.computeMs)).median / stats(results[0].change.map((t) => t.computeMs)).median).toFixed(2)},`
      + ` apply ${(stats(r.change.map((t) => t.applyMs)).median / stats(results[0].change.map((t) => t.applyMs)).median).toFixed(2)})`);
    if (r.staleDelete.length > 0) {
      console.log(`          stale-chain delete a second later: median ${f1(stats(r.staleDelete.map((t) => t.totalMs)).median)} ms (${r.staleDelete[0].ops} ops)`);
    }
  }
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '100,1000,10000').split(',').map(Number);
  const changes = Number(process.argv[3] ?? 7);
  if (sizes.some((s) => !Number.isInteger(s) || s < 10) || !(changes >= 1 && changes <= 250)) {
    throw new Error('usage: proxy-sync.js [sizes, each >= 10] [changes 1..250]');
  }
  const modes = (process.argv[4] ?? 'nftables,iptables').split(',');
  const makers: Record<string, (ns: string) => SyncMode> = { nftables: nftablesMode, iptables: iptablesMode };
  const bad = modes.find((m) => !makers[m]);
  if (bad) throw new Error(`modes: unknown mode ${JSON.stringify(bad)} (nftables, iptables)`);
  const prefix = testPrefix();
  try {
    const byMode = new Map<string, SizeResult[]>();
    for (const size of sizes) {
      for (const m of modes) {
        const ns = `${prefix}${m.slice(0, 3)}${size}`;
        await netnsAdd(ns); // one fresh netns per mode and size
        byMode.set(m, [...(byMode.get(m) ?? []), await measureSize(makers[m](ns), size, changes)]);
        console.error(`  ${m} ${size}: done`);
      }
    }
    console.log(`Proxy sync, Services × 10 endpoints, ${changes} single-Service changes per size (node ${process.version}, ${new Date().toISOString()})`);
    for (const [m, results] of byMode) report(m, results);
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

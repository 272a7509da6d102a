/**
 * podnet's CniRuntime against the real libcni (Debian's 1.1.2, built offline into a small Go
 * runtime, test/helpers/cni-runtime-libcni.go): the same conflist (podnet's bridge +
 * host-local + portmap, then a recording plugin) driven by each in twin namespaces. Compared:
 * what every plugin receives (stdin and CNI_* env), the ADD result, the result cache file
 * byte for byte, each runtime reading the other's cache, CHECK without a cache entry, DEL after
 * the conflist changed on disk, and a repeated DEL without a cache entry.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeConf } from '../../../src/cni/runtime.js';
import type { PluginError } from '../../../src/cni/invoke.js';
import type { CniError } from '../../../src/cni/types.js';
import { CniFixture } from '../../helpers/cni-fixture.js';
import { natRules, storeFiles } from '../../helpers/cni-differential.js';
import { type Recorded, libcniRunBinary, readRecords, writeRecorderPlugin } from '../../helpers/cni-runtime-libcni.js';
import { Side } from '../../helpers/cni-runtime-sides.js';

const NET = 'libnet';

function conflist(s: Side, withPortmap = true, cniVersion = '1.0.0', record: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion, name: NET,
    plugins: [
      { type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.246.0.0/24' }]], dataDir: s.dataDir } },
      ...(withPortmap ? [{ type: 'portmap', capabilities: { portMappings: true } }] : []),
      { type: 'record', log: s.log, capabilities: { portMappings: true }, ...record },
    ],
  };
}

const ARGS: Array<[string, string]> = [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'default'], ['K8S_POD_NAME', 'web']];
const CAPS = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] };

describe('CniRuntime vs libcni 1.1.2 (differential)', () => {
  const fx = new CniFixture();
  let bin = '';
  let L: Side; // driven by libcni
  let P: Side; // driven by podnet's CniRuntime
  const pods: Record<string, string> = {};
  const rtOf = (s: Side, containerId = 'c1'): RuntimeConf => ({ containerId, netns: pods[s.tag], ifName: 'eth0', args: ARGS, capabilityArgs: CAPS });

  /** The side's recorder lines, normalized; libcni's `capabilities` (which the spec says must not be set) noted and dropped. */
  async function records(s: Side): Promise<Recorded[]> {
    const recs = JSON.parse(s.normalize(JSON.stringify(await readRecords(s.log)), fx.prefix)) as Recorded[];
    for (const r of recs) delete r.stdin.capabilities;
    return recs;
  }

  before(async () => {
    bin = await libcniRunBinary();
    await fx.setup();
    const recDir = join(fx.dir, 'recorder');
    await writeRecorderPlugin(recDir);
    L = await new Side(fx, 'l', recDir).start();
    P = await new Side(fx, 'p', recDir).start();
    for (const s of [L, P]) {
      await s.writeConf((x) => conflist(x));
      pods[s.tag] = await s.pod('pod1');
    }
  });
  after(async () => {
    await L?.stop();
    await P?.stop();
    await fx.teardown();
  });

  it('ADD: the same plugin inputs, the same result, the same cache file', async () => {
    const l = await L.libcni(bin, 'add', rtOf(L));
    assert.ok(l.ok, l.stdout);
    const p = await P.runtime().addNetwork(rtOf(P));
    assert.deepEqual(JSON.parse(P.normalize(JSON.stringify(p), fx.prefix)), JSON.parse(L.normalize(JSON.stringify(l.json), fx.prefix)));
    const [lr, pr] = [await records(L), await records(P)];
    assert.equal(lr.length, 1);
    assert.deepEqual(pr, lr, 'the recorder got the same stdin (prevResult, runtimeConfig) and CNI_* env');
    assert.ok(lr[0].stdin.prevResult && lr[0].stdin.runtimeConfig, 'prevResult and runtimeConfig were both sent');

    const [lc, pc] = [await L.cacheFiles(), await P.cacheFiles()];
    assert.deepEqual(Object.keys(pc), [`${NET}-c1-eth0`]);
    assert.deepEqual(Object.keys(pc), Object.keys(lc));
    const entry = pc[`${NET}-c1-eth0`];
    assert.equal(entry.mode, 0o600);
    assert.equal(lc[`${NET}-c1-eth0`].mode, 0o600);
    // libcni ≥1.2 records the netns (for GC); 1.1.2 does not: the only allowed difference.
    assert.equal(JSON.parse(entry.text).netns, pods.p);
    const withoutNetns = entry.text.replace(`"netns":${JSON.stringify(pods.p)},`, '');
    assert.equal(P.normalize(withoutNetns, fx.prefix), L.normalize(lc[`${NET}-c1-eth0`].text, fx.prefix), 'cache files byte for byte');
  });

  it('each runtime CHECKs against the cache the other wrote', async () => {
    const l = await P.libcni(bin, 'check', rtOf(P));
    assert.ok(l.ok, `libcni CHECK on podnet's cache: ${l.stdout}`);
    await L.runtime().checkNetwork(rtOf(L));
    const [lr, pr] = [await records(L), await records(P)];
    assert.equal(lr.at(-1)?.env.CNI_COMMAND, 'CHECK');
    assert.deepEqual(pr.at(-1), lr.at(-1), 'CHECK inputs (prevResult from the cache) are the same');
  });

  it('refuses what libcni refuses at ADD, with its codes, before any plugin runs', async () => {
    const before = [(await readRecords(L.log)).length, (await readRecords(P.log)).length];
    const cases: Array<[Partial<RuntimeConf>, number]> = [
      [{ containerId: '' }, 3], [{ containerId: 'bad/id' }, 4], [{ ifName: 'eth0123456789abc' }, 4], [{ ifName: '..' }, 4], [{ ifName: 'a b' }, 4],
    ];
    for (const [over, code] of cases) {
      const l = await L.libcni(bin, 'add', { ...rtOf(L), ...over });
      const p = await P.runtime().addNetwork({ ...rtOf(P), ...over }).then(() => undefined, (e: CniError) => e);
      assert.equal(l.ok, false, JSON.stringify(over));
      assert.deepEqual([p?.code, l.json?.code], [code, code], `${JSON.stringify(over)}: ${p?.message} / ${l.stdout}`);
    }
    const badDir = join(fx.dir, 'bad-net.d');
    await mkdir(badDir);
    await writeFile(join(badDir, '10-bad.conflist'), JSON.stringify({ ...conflist(L), name: 'bad name' }));
    const l = await L.libcni(bin, 'add', rtOf(L), badDir);
    const p = await P.runtime(badDir).addNetwork(rtOf(P)).then(() => undefined, (e: CniError) => e);
    assert.deepEqual([p?.code, l.json?.code], [7, 7], `${p?.message} / ${l.stdout}`);
    assert.deepEqual([(await readRecords(L.log)).length, (await readRecords(P.log)).length], before, 'no plugin ran');
  });

  it('CHECK without a cache entry: the plugins refuse, the same way', async () => {
    const l = await L.libcni(bin, 'check', rtOf(L, 'nobody'));
    assert.equal(l.ok, false);
    assert.equal(l.json?.code, 7);
    const err = await P.runtime().checkNetwork(rtOf(P, 'nobody')).then(() => undefined, (e: PluginError) => e);
    assert.equal(err?.code, 7);
    assert.match(String(l.json?.error), /Required prevResult missing/);
    assert.match(err?.message ?? '', /Required prevResult missing/);
  });

  it('DEL after the conflist changed on disk runs the current list with the cached result', async () => {
    for (const s of [L, P]) await s.writeConf((x) => conflist(x, false));
    const l = await L.libcni(bin, 'del', rtOf(L));
    assert.ok(l.ok, l.stdout);
    await P.runtime().delNetwork(rtOf(P));
    const [lr, pr] = [await records(L), await records(P)];
    assert.equal(lr.at(-1)?.env.CNI_COMMAND, 'DEL');
    assert.ok(lr.at(-1)?.stdin.prevResult, 'DEL got the cached ADD result');
    assert.deepEqual(pr.at(-1), lr.at(-1));
    assert.deepEqual(await P.cacheFiles(), {});
    assert.deepEqual(await L.cacheFiles(), {});
    assert.deepEqual(await storeFiles(join(P.dataDir, NET)), await storeFiles(join(L.dataDir, NET)), 'host-local released the IP on both');
    // portmap is no longer in the list, so neither runtime calls its DEL: its chain stays on both.
    const norm = (r: string[]) => r.map((x) => x.replaceAll(fx.prefix, 'P-'));
    const [ln, pn] = [norm(await natRules(L.node)), norm(await natRules(P.node))];
    assert.ok(pn.some((x) => x.startsWith(':CNI-DN-')), pn.join('\n'));
    assert.deepEqual(pn, ln);
  });

  it('DEL again, with no cache entry, succeeds on both without prevResult', async () => {
    const l = await L.libcni(bin, 'del', rtOf(L));
    assert.ok(l.ok, l.stdout);
    await P.runtime().delNetwork(rtOf(P));
    const [lr, pr] = [await records(L), await records(P)];
    assert.equal(lr.at(-1)?.stdin.prevResult, undefined);
    assert.deepEqual(pr.at(-1), lr.at(-1));
  });

  /** Runs `fn` on both sides with a conflist of its own in `<side>/<dir>`, on a fresh pod netns. */
  async function onBoth(dir: string, make: (x: Side) => Record<string, unknown>, podName: string) {
    const out: Record<string, { confDir: string; rt: RuntimeConf }> = {};
    for (const s of [L, P]) {
      const confDir = join(s.root, dir);
      await mkdir(confDir);
      await writeFile(join(confDir, '10-net.conflist'), JSON.stringify(make(s), null, 2));
      out[s.tag] = { confDir, rt: { ...rtOf(s, podName), netns: await s.pod(podName) } };
    }
    return out;
  }

  it('a failing plugin: the same error, no cache entry, nothing rolled back; DEL cleans up', async () => {
    const sides = await onBoth('fail.d', (x) => conflist(x, true, '1.0.0', { failOn: 'ADD' }), 'f1');
    const l = await L.libcni(bin, 'add', sides.l.rt, sides.l.confDir);
    const p = await P.runtime(sides.p.confDir).addNetwork(sides.p.rt).then(() => undefined, (e: PluginError) => e);
    assert.equal(l.ok, false);
    assert.deepEqual([p?.code, p?.plugin, l.json?.code], [101, 'record', 101]);
    assert.match(String(l.json?.error), /record: asked to fail/);
    assert.match(p?.message ?? '', /record: asked to fail/);
    assert.equal((await P.cacheFiles())[`${NET}-f1-eth0`], undefined);
    assert.equal((await L.cacheFiles())[`${NET}-f1-eth0`], undefined);
    assert.deepEqual(await storeFiles(join(P.dataDir, NET)), await storeFiles(join(L.dataDir, NET)), 'the IP stays allocated on both');
    assert.ok(Object.keys(await storeFiles(join(P.dataDir, NET))).some((f) => /^\d/.test(f)));
    for (const s of [L, P]) await s.writeConf((x) => conflist(x, true));
    assert.ok((await L.libcni(bin, 'del', sides.l.rt)).ok);
    await P.runtime().delNetwork(sides.p.rt);
    assert.deepEqual(await storeFiles(join(P.dataDir, NET)), await storeFiles(join(L.dataDir, NET)));
    assert.ok(!Object.keys(await storeFiles(join(P.dataDir, NET))).some((f) => /^\d/.test(f)), 'DEL released it');
  });

  it('a 0.4.0 conflist: the same plugin inputs and cache file in that version\'s format; DEL under 1.0.0 converts the cached result', async () => {
    const sides = await onBoth('v040.d', (x) => conflist(x, true, '0.4.0'), 'v1');
    const [lBefore, pBefore] = [(await readRecords(L.log)).length, (await readRecords(P.log)).length];
    const l = await L.libcni(bin, 'add', sides.l.rt, sides.l.confDir);
    assert.ok(l.ok, l.stdout);
    await P.runtime(sides.p.confDir).addNetwork(sides.p.rt);
    const [lr, pr] = [(await records(L)).slice(lBefore), (await records(P)).slice(pBefore)];
    assert.equal((lr[0].stdin.prevResult as { cniVersion: string }).cniVersion, '0.4.0');
    assert.deepEqual(pr, lr);
    const name = `${NET}-v1-eth0`;
    const [lc, pc] = [(await L.cacheFiles())[name].text, (await P.cacheFiles())[name].text];
    assert.equal(P.normalize(pc.replace(`"netns":${JSON.stringify(sides.p.rt.netns)},`, ''), fx.prefix), L.normalize(lc, fx.prefix));
    // The list moves to 1.0.0: DEL's prevResult is the cached 0.4.0 result converted (no ips[].version).
    for (const s of [L, P]) await writeFile(join(s.root, 'v040.d', '10-net.conflist'), JSON.stringify(conflist(s, true, '1.0.0'), null, 2));
    assert.ok((await L.libcni(bin, 'del', sides.l.rt, sides.l.confDir)).ok);
    await P.runtime(sides.p.confDir).delNetwork(sides.p.rt);
    const [ld, pd] = [(await records(L)).at(-1), (await records(P)).at(-1)];
    const prev = ld?.stdin.prevResult as { cniVersion: string; ips: Array<Record<string, unknown>> };
    assert.equal(prev.cniVersion, '1.0.0');
    assert.equal(prev.ips[0].version, undefined);
    assert.deepEqual(pd, ld);
  });

  it('a renamed network finds no cache entry on either side', async () => {
    for (const s of [L, P]) {
      await s.writeConf((x) => conflist(x, false));
      await (s === L ? s.libcni(bin, 'add', rtOf(s, 'c2')) : s.runtime().addNetwork(rtOf(s, 'c2')));
      await s.writeConf((x) => ({ ...conflist(x, false), name: 'renamed' }), '09-renamed.conflist');
    }
    assert.ok((await L.libcni(bin, 'del', rtOf(L, 'c2'))).ok);
    await P.runtime().delNetwork(rtOf(P, 'c2'));
    const [lr, pr] = [await records(L), await records(P)];
    assert.equal(lr.at(-1)?.stdin.name, 'renamed');
    assert.equal(lr.at(-1)?.stdin.prevResult, undefined, 'the cache is keyed by network name');
    assert.deepEqual(pr.at(-1), lr.at(-1));
    assert.deepEqual(Object.keys(await P.cacheFiles()), Object.keys(await L.cacheFiles()));
    assert.deepEqual(Object.keys(await P.cacheFiles()), [`${NET}-c2-eth0`], 'the old network\'s entry stays');
    for (const s of [L, P]) await rm(join(s.confDir, '09-renamed.conflist'));
  });
});

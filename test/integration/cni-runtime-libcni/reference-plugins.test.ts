/**
 * The runtime comparison with Debian's reference plugins (/usr/lib/cni 1.1.1: bridge,
 * host-local, portmap) instead of podnet's: what libcni and podnet's CniRuntime give the
 * plugins, the ADD result, the cache file byte for byte, and the state after DEL do not depend
 * on whose plugins run. (The reference portmap's CHECK fails on an IPv4-only pod, so no CHECK.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeConf } from '../../../src/cni/runtime.js';
import { CniFixture, REFERENCE_DIR } from '../../helpers/cni-fixture.js';
import { natRules, storeFiles } from '../../helpers/cni-differential.js';
import { type Recorded, libcniRunBinary, readRecords, writeRecorderPlugin } from '../../helpers/cni-runtime-libcni.js';
import { Side } from '../../helpers/cni-runtime-sides.js';

const NET = 'refnet';

const conflist = (s: Side): Record<string, unknown> => ({
  cniVersion: '1.0.0', name: NET,
  plugins: [
    { type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.250.0/24' }]], dataDir: s.dataDir } },
    { type: 'portmap', capabilities: { portMappings: true } },
    { type: 'record', log: s.log, capabilities: { portMappings: true } },
  ],
});

describe('CniRuntime vs libcni 1.1.2, Debian\'s reference plugins', () => {
  const fx = new CniFixture();
  let bin = '';
  let L: Side;
  let P: Side;
  const rt: Record<string, RuntimeConf> = {};

  const records = async (s: Side): Promise<Recorded[]> => {
    const recs = JSON.parse(s.normalize(JSON.stringify(await readRecords(s.log)), fx.prefix)) as Recorded[];
    for (const r of recs) delete r.stdin.capabilities;
    return recs;
  };

  before(async () => {
    bin = await libcniRunBinary();
    await fx.setup();
    const recDir = join(fx.dir, 'recorder');
    await writeRecorderPlugin(recDir);
    L = await new Side(fx, 'l', recDir, REFERENCE_DIR).start();
    P = await new Side(fx, 'p', recDir, REFERENCE_DIR).start();
    for (const s of [L, P]) {
      await s.writeConf(conflist);
      rt[s.tag] = { containerId: 'r1', netns: await s.pod('pod'), ifName: 'eth0', args: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'r']],
        capabilityArgs: { portMappings: [{ hostPort: 9090, containerPort: 90, protocol: 'tcp' }] } };
    }
  });
  after(async () => {
    await L?.stop();
    await P?.stop();
    await fx.teardown();
  });

  it('ADD then DEL: the same plugin inputs, result, cache file and state', async () => {
    const l = await L.libcni(bin, 'add', rt.l);
    assert.ok(l.ok, l.stdout);
    const p = await P.runtime().addNetwork(rt.p);
    assert.deepEqual(JSON.parse(P.normalize(JSON.stringify(p), fx.prefix)), JSON.parse(L.normalize(JSON.stringify(l.json), fx.prefix)));
    const name = `${NET}-r1-eth0`;
    const [lc, pc] = [(await L.cacheFiles())[name].text, (await P.cacheFiles())[name].text];
    assert.equal(P.normalize(pc.replace(`"netns":${JSON.stringify(rt.p.netns)},`, ''), fx.prefix), L.normalize(lc, fx.prefix));
    const norm = (r: string[]) => r.map((x) => x.replaceAll(fx.prefix, 'P-'));
    assert.deepEqual(norm(await natRules(P.node)), norm(await natRules(L.node)));

    assert.ok((await L.libcni(bin, 'del', rt.l)).ok);
    await P.runtime().delNetwork(rt.p);
    assert.deepEqual(await records(P), await records(L), 'ADD and DEL inputs');
    assert.deepEqual(await storeFiles(join(P.dataDir, NET)), await storeFiles(join(L.dataDir, NET)));
    assert.deepEqual(norm(await natRules(P.node)), norm(await natRules(L.node)));
    assert.deepEqual([await P.cacheFiles(), await L.cacheFiles()], [{}, {}]);
  });
});

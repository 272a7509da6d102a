/**
 * CniRuntime.gcNetwork against libcni's GCNetworkList. Debian's libcni (1.1.2) predates GC
 * (added in libcni 1.2.0 with spec 1.1.0), so the expectations are upstream's, as facts from
 * containernetworking/cni libcni/api.go (GCNetworkList, gcNetwork) and pkg/invoke/args.go:
 * nothing at all with disableGC; every cached attachment of the network not in the valid list
 * is DELeted with the current list, its cached netns, CNI_ARGS and capability args, and the
 * cached result (converted to the list's version) as prevResult; then, from version 1.1.0
 * only, every plugin gets GC with `cni.dev/valid-attachments` and `cni.dev/attachments`, no
 * prevResult, no runtimeConfig, and empty CNI_CONTAINERID/NETNS/IFNAME/ARGS. An entry written
 * by the real libcni 1.1.2 (without netns) is collected too.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeConf } from '../../../src/cni/runtime.js';
import { CniFixture } from '../../helpers/cni-fixture.js';
import { libcniRunBinary, readRecords, writeRecorderPlugin } from '../../helpers/cni-runtime-libcni.js';
import { Side } from '../../helpers/cni-runtime-sides.js';

const NET = 'gcnet';

function conflist(s: Side, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    // libcni 1.1.2 ignores cniVersions and speaks 1.0.0; podnet picks 1.1.0 (GC).
    cniVersion: '1.0.0', cniVersions: ['1.0.0', '1.1.0'], name: NET, ...extra,
    plugins: [
      { type: 'bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.245.0.0/24' }]], dataDir: s.dataDir } },
      { type: 'record', log: s.log },
    ],
  };
}

const ipFiles = async (s: Side) => (await readdir(join(s.dataDir, NET))).filter((f) => /^\d/.test(f)).sort();

describe('CniRuntime GC as libcni GCNetworkList', () => {
  const fx = new CniFixture();
  let S: Side;
  const rts: Record<string, RuntimeConf> = {};

  before(async () => {
    const bin = await libcniRunBinary();
    await fx.setup();
    const recDir = join(fx.dir, 'recorder');
    await writeRecorderPlugin(recDir);
    S = await new Side(fx, 'g', recDir).start();
    await S.writeConf((x) => conflist(x));
    for (const x of ['a', 'b', 'c']) {
      rts[x] = { containerId: `gc-${x}`, netns: await S.pod(x), ifName: 'eth0', args: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', x]] };
    }
    await S.runtime().addNetwork(rts.a);
    await S.runtime().addNetwork(rts.b);
    const c = await S.libcni(bin, 'add', rts.c);
    assert.ok(c.ok, c.stdout);
  });
  after(async () => {
    await S?.stop();
    await fx.teardown();
  });

  it('DELs stale attachments (podnet\'s and libcni\'s entries), then GCs every plugin with the valid list', async () => {
    const cache = await S.cacheFiles();
    assert.equal(JSON.parse(cache[`${NET}-gc-c-eth0`].text).netns, undefined, 'libcni 1.1.2 does not record the netns');
    const cachedA = JSON.parse(cache[`${NET}-gc-a-eth0`].text) as { result: Record<string, unknown> };
    const before = (await readRecords(S.log)).length;

    const deleted = await S.runtime().gcNetwork([{ containerId: 'gc-b', ifName: 'eth0' }]);
    assert.deepEqual(deleted.map((k) => k.containerId), ['gc-a', 'gc-c']);
    assert.deepEqual(Object.keys(await S.cacheFiles()), [`${NET}-gc-b-eth0`]);
    assert.deepEqual(await ipFiles(S), ['10.245.0.3'], 'only b keeps its IP');

    const recs = (await readRecords(S.log)).slice(before);
    assert.deepEqual(recs.map((r) => `${r.env.CNI_COMMAND} ${r.env.CNI_CONTAINERID}`), ['DEL gc-a', 'DEL gc-c', 'GC ']);
    const [delA, delC, gc] = recs;
    assert.equal(delA.env.CNI_NETNS, rts.a.netns);
    assert.equal(delA.env.CNI_ARGS, 'IgnoreUnknown=1;K8S_POD_NAME=a');
    assert.deepEqual(delA.stdin.prevResult, { ...cachedA.result, cniVersion: '1.1.0' }, 'the cached result, as the list\'s version');
    assert.equal(delC.env.CNI_NETNS, '');
    assert.equal((delC.stdin.prevResult as { cniVersion: string }).cniVersion, '1.1.0');
    assert.deepEqual(
      { CNI_NETNS: gc.env.CNI_NETNS, CNI_IFNAME: gc.env.CNI_IFNAME, CNI_ARGS: gc.env.CNI_ARGS },
      { CNI_NETNS: '', CNI_IFNAME: '', CNI_ARGS: '' },
    );
    const valid = [{ containerID: 'gc-b', ifname: 'eth0' }];
    assert.deepEqual(gc.stdin['cni.dev/valid-attachments'], valid);
    assert.deepEqual(gc.stdin['cni.dev/attachments'], valid);
    assert.equal(gc.stdin.cniVersion, '1.1.0');
    assert.equal(gc.stdin.prevResult, undefined);
    assert.equal(gc.stdin.runtimeConfig, undefined);
  });

  it('does nothing at all with disableGC', async () => {
    await S.writeConf((x) => conflist(x, { disableGC: true }));
    const before = (await readRecords(S.log)).length;
    assert.deepEqual(await S.runtime().gcNetwork([]), []);
    assert.equal((await readRecords(S.log)).length, before, 'no plugin was called');
    assert.deepEqual(Object.keys(await S.cacheFiles()), [`${NET}-gc-b-eth0`]);
  });

  it('before spec 1.1.0: stale DELs only, no plugin GC', async () => {
    await S.writeConf((x) => ({ ...conflist(x), cniVersions: undefined }));
    const before = (await readRecords(S.log)).length;
    assert.deepEqual((await S.runtime().gcNetwork([])).map((k) => k.containerId), ['gc-b']);
    const recs = (await readRecords(S.log)).slice(before);
    assert.deepEqual(recs.map((r) => `${r.env.CNI_COMMAND} ${r.env.CNI_CONTAINERID}`), ['DEL gc-b']);
    assert.deepEqual(await S.cacheFiles(), {});
    assert.deepEqual(await ipFiles(S), []);
  });
});

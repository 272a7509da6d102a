/**
 * Plugin GC at agent start (CNI spec 1.1.0, reached because the flannel conflist is 1.1.0): an
 * ADD killed after host-local reserved an IP but before the runtime cached the result leaves a
 * reservation with no cache entry and no sandbox. The cache-driven DELs of libcni's GC cannot
 * see it; only host-local's own GC (valid attachments = recorded sandboxes) frees it. The
 * restarted agent must release it, while a live pod keeps its IP, cache entry and sandbox; and
 * a result cache temp file whose writer died (kill -9 between write and rename) is removed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, eventually, pausePids } from '../../helpers/agent-node.js';
import { AgentProcessTestbed } from '../../helpers/agent-process.js';

describe('agent plugin GC of a reservation an interrupted ADD left', { timeout: 180_000 }, () => {
  let t: AgentProcessTestbed;
  const networkDir = () => join(t.node.nodeRoot, 'cni', 'networks', 'cbr0');

  before(async () => {
    t = await AgentProcessTestbed.start('agent-plugin-gc-test');
    await t.createPod('kept');
  });

  after(() => t?.close());

  it('releases a reservation with no cache entry and no sandbox; the live pod keeps its own', async () => {
    const kept = await t.running('kept');
    const sb = t.sandboxOf(kept);
    assert.equal(JSON.parse(readFileSync(join(t.node.nodeRoot, 'cni', 'net.d', '10-podnet.conflist'), 'utf8')).cniVersion, '1.1.0');
    await t.killAgent();

    // What host-local leaves when the ADD dies before the runtime writes its cache entry.
    const strayId = 'f'.repeat(64);
    const strayIP = sb.podIP === '10.244.0.200' ? '10.244.0.201' : '10.244.0.200';
    writeFileSync(join(networkDir(), strayIP), `${strayId}\r\neth0`);
    assert.ok(!t.cacheEntries().some((e) => e.includes(strayId)), 'the stray reservation has no cache entry');
    // And the temp file of a cache write a kill -9 cut between write and rename (writer dead).
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const staleTemp = `cbr0-${'e'.repeat(64)}-eth0.tmp${deadPid}`;
    writeFileSync(join(t.node.nodeRoot, 'cni', 'results', staleTemp), '{"kind":"cniCacheV1"');

    t.startAgent();
    await eventually(() => !existsSync(join(networkDir(), strayIP)), 30_000, 'stray reservation released');
    assert.ok(existsSync(join(networkDir(), sb.podIP)), 'kept keeps its IP');
    assert.deepEqual(t.cacheEntries(), [`cbr0-${sb.id}-eth0`]);
    assert.doesNotMatch(readFileSync(t.logFile, 'utf8'), /CNI GC failed/);
    const after = await t.running('kept');
    assert.equal(after.status?.podIP, sb.podIP);
    assert.equal(t.sandboxOf(after).id, sb.id, 'the running sandbox was adopted, not rebuilt');
    assert.ok(pausePids(t.node.nodeRoot).some((p) => alive(p)), 'kept\'s processes survived the restart');
  });
});

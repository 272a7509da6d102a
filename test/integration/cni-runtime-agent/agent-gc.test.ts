/**
 * The agent as a CNI runtime across a crash: an agent process is killed with SIGKILL while two
 * pods run; one sandbox is then removed by hand (its processes, netns and pod directory, and
 * the pod from the API), leaving only its CNI traces (host-local reservation, result cache
 * entry). The restarted agent's CNI GC DELs that attachment: IP released, cache entry gone,
 * while the other pod keeps its sandbox, IP and entry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFound } from '../../../src/client/client.js';
import { alive, eventually, pausePids, recordedPids } from '../../helpers/agent-node.js';
import { AgentProcessTestbed } from '../../helpers/agent-process.js';

describe('agent CNI GC after kill -9', { timeout: 180_000 }, () => {
  let t: AgentProcessTestbed;
  const ipFile = (ip: string) => join(t.node.nodeRoot, 'cni', 'networks', 'cbr0', ip);

  before(async () => {
    t = await AgentProcessTestbed.start('agent-gc-test');
    for (const name of ['gone', 'kept']) await t.createPod(name);
  });

  after(() => t?.close());

  it('releases the IP and cache entry of a sandbox removed while the agent was dead', async () => {
    const [gone, kept] = [await t.running('gone'), await t.running('kept')];
    const [sbGone, sbKept] = [t.sandboxOf(gone), t.sandboxOf(kept)];
    assert.deepEqual(t.cacheEntries(), [`cbr0-${sbGone.id}-eth0`, `cbr0-${sbKept.id}-eth0`].sort());
    await t.killAgent();

    // By hand, as an operator cleaning up after a crash: processes, netns, pod dir, API object.
    const podPids = [...recordedPids(t.node.nodeRoot), ...pausePids(t.node.nodeRoot)];
    t.pids.push(...podPids);
    for (const p of execFileSync('ip', ['netns', 'pids', sbGone.netns], { encoding: 'utf8' }).split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
    await eventually(() => execFileSync('ip', ['netns', 'pids', sbGone.netns], { encoding: 'utf8' }).trim() === '', 5000, 'gone\'s processes dead');
    execFileSync('ip', ['netns', 'del', sbGone.netns]);
    rmSync(join('/etc/netns', sbGone.netns), { recursive: true, force: true });
    rmSync(t.podDir(gone), { recursive: true, force: true });
    await t.client.delete('pods', 'default', 'gone', { gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    assert.ok(existsSync(ipFile(sbGone.podIP)), 'before restart the IP is still reserved (leaked)');

    t.startAgent();
    await eventually(() => !existsSync(ipFile(sbGone.podIP)), 30_000, 'gone\'s IP released');
    // The cache entry goes after the DEL that released the IP.
    await eventually(() => t.cacheEntries().join() === `cbr0-${sbKept.id}-eth0`, 30_000, 'only kept\'s cache entry');
    assert.ok(existsSync(ipFile(sbKept.podIP)), 'kept keeps its IP');
    // Logged when GC returns: after the stale DELs (seen above) and the plugins' own GC.
    const logged = new RegExp(`CNI GC deleted 1 stale attachment\\(s\\): ${sbGone.id.slice(0, 12)}`);
    await eventually(() => logged.test(readFileSync(t.logFile, 'utf8')), 30_000, 'the GC logged');
    const after = await t.running('kept');
    assert.equal(after.status?.podIP, sbKept.podIP);
    assert.equal(t.sandboxOf(after).id, sbKept.id, 'the running sandbox was adopted, not rebuilt');
    assert.ok(podPids.filter((p) => alive(p)).length > 0, 'kept\'s processes survived both agents');
  });
});

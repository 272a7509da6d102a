import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { PodWorkers, needsSync } from '../../../src/agent/pod-workers.js';

const pod = (uid: string, image: string, phase?: string): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid },
  spec: { containers: [{ name: 'c', image }] },
  status: phase ? { phase } : undefined,
});
const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

describe('PodWorkers', () => {
  it('serializes syncs per pod and syncs again after a change during a sync', async () => {
    const log: string[] = [];
    let running = 0;
    const w = new PodWorkers({
      async sync(p) {
        running++;
        assert.equal(running, 1, 'two syncs of one pod at once');
        log.push(`sync ${p.spec?.containers[0].image}`);
        await tick(30);
        running--;
        return {};
      },
      async cleanup(uid) {
        log.push(`cleanup ${uid}`);
      },
    }, () => undefined);
    w.update(pod('u1', 'a'));
    await tick(5);
    w.update(pod('u1', 'b'));
    w.update(pod('u1', 'c'));
    await tick(100);
    assert.deepEqual(log, ['sync a', 'sync c']);
    w.remove('u1');
    await tick(20);
    assert.deepEqual(log, ['sync a', 'sync c', 'cleanup u1']);
    assert.equal(w.has('u1'), false);
    w.stop();
  });

  it('does not re-sync on a status-only change, but keeps the newest pod', async () => {
    const seen: (string | undefined)[] = [];
    const w = new PodWorkers({ async sync(p) { seen.push(p.status?.phase); return {}; }, async cleanup() {} }, () => undefined);
    w.update(pod('u2', 'a'));
    await tick();
    w.update(pod('u2', 'a', 'Running'));
    await tick();
    assert.deepEqual(seen, [undefined]);
    w.poke('u2');
    await tick();
    assert.deepEqual(seen, [undefined, 'Running']);
    assert.equal(needsSync(pod('u', 'a'), pod('u', 'b')), true);
    w.stop();
  });

  it('resyncs after the delay a sync asks for, and retries a failed sync', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const w = new PodWorkers({
      async sync() {
        n++;
        if (n === 2) throw new Error('boom');
        return { resyncAfterMs: 20 };
      },
      async cleanup() {},
    }, (_uid, e) => errors.push(e), 20);
    w.update(pod('u3', 'a'));
    await tick(120);
    w.stop();
    assert.ok(n >= 3, `only ${n} syncs`);
    assert.equal(errors.length, 1);
  });
});

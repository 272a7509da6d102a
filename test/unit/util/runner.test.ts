import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedFrequencyRunner, type RunnerClock } from '../../../src/util/runner.js';

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements RunnerClock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers.delete(h as number);
  }
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
  }
}

describe('BoundedFrequencyRunner', () => {
  it('coalesces a burst of run() calls into one sync', async () => {
    const clock = new FakeClock();
    let syncs = 0;
    const r = new BoundedFrequencyRunner(() => void syncs++, { name: 't', minIntervalMs: 1000, maxIntervalMs: 60_000 }, clock);
    for (let i = 0; i < 10; i++) r.run();
    await clock.advance(0);
    assert.equal(syncs, 1);
  });

  it('runs at most once per minInterval', async () => {
    const clock = new FakeClock();
    let syncs = 0;
    const r = new BoundedFrequencyRunner(() => void syncs++, { name: 't', minIntervalMs: 1000, maxIntervalMs: 60_000 }, clock);
    r.run();
    await clock.advance(0);
    r.run();
    await clock.advance(500);
    assert.equal(syncs, 1, 'a second sync inside minInterval');
    await clock.advance(500);
    assert.equal(syncs, 2);
  });

  it('resyncs after maxInterval without events', async () => {
    const clock = new FakeClock();
    let syncs = 0;
    const r = new BoundedFrequencyRunner(() => void syncs++, { name: 't', minIntervalMs: 1000, maxIntervalMs: 30_000 }, clock);
    r.start();
    await clock.advance(0);
    await clock.advance(30_000);
    assert.equal(syncs, 2);
  });

  it('retries a failed sync after retryInterval', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const r = new BoundedFrequencyRunner(
      () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      { name: 't', minIntervalMs: 100, maxIntervalMs: 60_000, retryIntervalMs: 5000, onError: () => undefined },
      clock,
    );
    r.run();
    await clock.advance(0);
    assert.equal(calls, 1);
    await clock.advance(4999);
    assert.equal(calls, 1);
    await clock.advance(1);
    assert.equal(calls, 2);
  });
});

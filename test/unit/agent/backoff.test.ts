import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../../src/agent/backoff.js';
import { formatDelay } from '../../../src/agent/container-sync.js';

describe('Backoff', () => {
  it('crash loop: restart at once, then 10 s doubling to 5 min', () => {
    let now = 0;
    const b = new Backoff(() => now);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      // The container exits at `now`.
      const finished = now;
      if (b.isInBackOffSince('p/c', finished)) {
        delays.push(b.remainingSince('p/c', finished));
        now += b.remainingSince('p/c', finished);
      } else delays.push(0);
      assert.equal(b.isInBackOffSince('p/c', finished), false);
      b.next('p/c', finished);
    }
    assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('forgets a key after twice the maximum without failures', () => {
    let now = 0;
    const b = new Backoff(() => now);
    b.next('k', 0);
    b.next('k', 0);
    assert.equal(b.delay('k'), 20_000);
    now = 700_000;
    b.next('k', now);
    assert.equal(b.delay('k'), 10_000);
  });

  it('image pulls back off since the last failure', () => {
    let now = 1000;
    const b = new Backoff(() => now);
    assert.equal(b.isInBackOffSinceUpdate('pull'), false);
    b.next('pull');
    assert.equal(b.isInBackOffSinceUpdate('pull'), true);
    now += 10_000;
    assert.equal(b.isInBackOffSinceUpdate('pull'), false);
    b.resetPrefix('pu');
    assert.equal(b.delay('pull'), 0);
  });

  it('prints delays as Go durations', () => {
    assert.deepEqual([10, 40, 80, 300].map(formatDelay), ['10s', '40s', '1m20s', '5m0s']);
  });
});

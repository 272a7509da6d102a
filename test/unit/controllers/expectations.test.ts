import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Expectations } from '../../../src/controllers/expectations.js';

test('an owner waits until its creates are seen and its deletes are gone, or the entry expires', () => {
  let now = 0;
  const e = new Expectations(1000, () => now);
  const cache = new Set<string>(['old']);
  const seen = (n: string) => cache.has(n);
  assert.equal(e.satisfied('rs', seen), true, 'nothing expected');
  e.expectCreate('rs', 'p1');
  e.expectDelete('rs', 'old');
  assert.equal(e.satisfied('rs', seen), false);
  cache.add('p1');
  assert.equal(e.satisfied('rs', seen), false, 'delete not seen yet');
  cache.delete('old');
  assert.equal(e.satisfied('rs', seen), true);
  e.expectCreate('rs', 'lost');
  now = 1500;
  assert.equal(e.satisfied('rs', seen), true, 'expired: a lost event cannot wedge the owner');
});

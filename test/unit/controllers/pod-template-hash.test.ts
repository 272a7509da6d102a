import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, computeHash, fnv32a, safeEncodeString, SAFE_ALPHANUMS, templatesEqualIgnoringHash } from '../../../src/controllers/pod-template-hash.js';

test('fnv32a matches the reference vectors', () => {
  assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
  assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
  assert.equal(fnv32a(Buffer.from('foobar')), 0xbf9cf968);
});

test('safeEncodeString maps by character code into the safe alphabet', () => {
  // '0' is code 48, 48 % 27 = 21 -> SAFE_ALPHANUMS[21]
  assert.equal(safeEncodeString('0'), SAFE_ALPHANUMS[21]);
  assert.equal(safeEncodeString('12'), SAFE_ALPHANUMS[49 % 27] + SAFE_ALPHANUMS[50 % 27]);
});

test('computeHash is stable, key-order independent, and shaped like upstream', () => {
  const a = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const b = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { tier: 'fe', app: 'web' } } };
  const h = computeHash(a);
  assert.equal(h, computeHash(b));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.notEqual(h, computeHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }));
  assert.notEqual(h, computeHash(a, 1), 'collisionCount changes the hash');
  assert.equal(computeHash(a, 0), computeHash(a, 0));
});

test('canonicalJson drops undefined fields and sorts keys', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] }), '{"a":[{"c":"x"}],"b":1}');
});

test('null, empty objects and the hash label do not change template identity', () => {
  const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'a', resources: {} }] } };
  const undone = { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'a' }] } };
  assert.equal(computeHash(t), computeHash(undone as never));
  const rsTemplate = { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: t.spec };
  assert.equal(templatesEqualIgnoringHash(rsTemplate, undone as never), true);
  assert.equal(templatesEqualIgnoringHash(rsTemplate, { ...t, spec: { containers: [{ name: 'c', image: 'b' }] } }), false);
});

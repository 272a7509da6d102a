import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapSelectorMatches, selectorMatches } from '../../../src/controllers/labels.js';

test('label selectors: matchLabels and every operator', () => {
  const l = { app: 'web', tier: 'fe' };
  assert.equal(selectorMatches({}, l), true);
  assert.equal(selectorMatches(undefined, l), false);
  assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, l), true);
  assert.equal(selectorMatches({ matchLabels: { app: 'db' } }, l), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, l), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, l), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, l), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, l), false);
  assert.equal(mapSelectorMatches({}, l), false);
  assert.equal(mapSelectorMatches({ app: 'web' }, l), true);
});

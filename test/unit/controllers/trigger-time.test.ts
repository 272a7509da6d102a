import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../../src/api/types.js';
import { lastChangeTriggerTime } from '../../../src/controllers/trigger-time.js';

const svc: Service = { metadata: { name: 's', creationTimestamp: '2026-01-01T00:00:00Z' } };
const pod = (created: string, readySince?: string, deleted?: { at: string; grace: number }): Pod => ({
  metadata: { name: 'p', creationTimestamp: created, ...(deleted ? { deletionTimestamp: deleted.at, deletionGracePeriodSeconds: deleted.grace } : {}) },
  status: readySince ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } : {},
});
const now = Date.parse('2026-01-01T01:00:00.25Z');

test('the trigger time is the latest dated change: service creation, pod creation, Ready transition, deletion', () => {
  assert.equal(lastChangeTriggerTime(svc, [], undefined, now), '2026-01-01T00:00:00Z');
  assert.equal(lastChangeTriggerTime(svc, [pod('2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z'), pod('2026-01-01T00:01:30Z')], undefined, now), '2026-01-01T00:02:00Z');
  // a graceful deletion was asked grace seconds before its deletionTimestamp
  assert.equal(lastChangeTriggerTime(svc, [pod('2026-01-01T00:01:00Z', undefined, { at: '2026-01-01T00:10:30Z', grace: 30 })], undefined, now), '2026-01-01T00:10:00Z');
});

test('a change older than the recorded one (a pod gone) is stamped now; an equal one is kept', () => {
  assert.equal(lastChangeTriggerTime(svc, [pod('2026-01-01T00:01:00Z')], '2026-01-01T00:05:00Z', now), '2026-01-01T01:00:00.25Z');
  assert.equal(lastChangeTriggerTime(svc, [pod('2026-01-01T00:05:00Z')], '2026-01-01T00:05:00Z', now), '2026-01-01T00:05:00Z');
  assert.equal(lastChangeTriggerTime(svc, [pod('2026-01-01T00:06:00Z')], '2026-01-01T00:05:00Z', now), '2026-01-01T00:06:00Z');
});

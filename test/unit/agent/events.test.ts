import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newEvent } from '../../../src/agent/events.js';

describe('pod events', () => {
  it('are kubelet events about the pod (and container field path)', () => {
    const ev = newEvent({ name: 'web', namespace: 'ns1', uid: 'u1' }, 'node1', 'Warning', 'BackOff', 'Back-off restarting', 'c', 'T');
    assert.match(ev.metadata?.name ?? '', /^web\.[0-9a-f]{16}$/);
    assert.equal(ev.metadata?.namespace, 'ns1');
    assert.deepEqual(ev.involvedObject, { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'ns1', uid: 'u1', fieldPath: 'spec.containers{c}' });
    assert.deepEqual([ev.type, ev.reason, ev.count, ev.firstTimestamp, ev.lastTimestamp], ['Warning', 'BackOff', 1, 'T', 'T']);
    assert.deepEqual(ev.source, { component: 'kubelet', host: 'node1' });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { type ContainerView, computePodStatus, podPhase, qosClass, statusChanged } from '../../../src/agent/pod-status.js';
import { activeDeadlineLeft } from '../../../src/agent/pod-sync.js';

const T0 = '2026-11-23T17:00:00Z';
const T1 = '2026-11-23T17:05:00Z';

const makePod = (restartPolicy = 'Always', status?: Pod['status']): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { restartPolicy, containers: [{ name: 'a' }, { name: 'b' }] },
  status,
});
const running = (name: string): ContainerView => ({ name, image: 'i', imageID: 'x', restartCount: 0, state: { running: { startedAt: T0 } } });
const waiting = (name: string, reason = 'ContainerCreating', last = false): ContainerView => ({
  name, image: 'i', imageID: 'x', restartCount: last ? 1 : 0, state: { waiting: { reason } },
  ...(last ? { lastState: { terminated: { exitCode: 1, reason: 'Error' } } } : {}),
});
const exited = (name: string, exitCode: number): ContainerView => ({ name, image: 'i', imageID: 'x', restartCount: 0, state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } } });

describe('pod phase (kubelet getPhase)', () => {
  const cases: [string, string, ContainerView[], string][] = [
    ['all running', 'Always', [running('a'), running('b')], 'Running'],
    ['one never started', 'Always', [running('a'), waiting('b', 'ErrImagePull')], 'Pending'],
    ['crash looping counts as started', 'Always', [running('a'), waiting('b', 'CrashLoopBackOff', true)], 'Running'],
    ['Never, all succeeded', 'Never', [exited('a', 0), exited('b', 0)], 'Succeeded'],
    ['Never, one failed', 'Never', [exited('a', 0), exited('b', 2)], 'Failed'],
    ['OnFailure, one failed keeps running', 'OnFailure', [exited('a', 0), exited('b', 2)], 'Running'],
    ['OnFailure, all succeeded', 'OnFailure', [exited('a', 0), exited('b', 0)], 'Succeeded'],
    ['Never, one still running', 'Never', [exited('a', 1), running('b')], 'Running'],
  ];
  for (const [name, policy, views, want] of cases) it(name, () => assert.equal(podPhase(makePod(policy), views), want));
});

describe('computePodStatus', () => {
  it('a running pod: IPs, conditions, container statuses', () => {
    const s = computePodStatus(makePod(), { hostIP: '172.18.0.11', podIP: '10.244.0.5', sandboxReady: true, containers: [running('a'), running('b')] }, T0);
    assert.equal(s.phase, 'Running');
    assert.deepEqual(s.podIPs, [{ ip: '10.244.0.5' }]);
    assert.deepEqual(s.hostIPs, [{ ip: '172.18.0.11' }]);
    assert.deepEqual(s.conditions?.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    assert.deepEqual(s.containerStatuses?.map((c) => [c.name, c.ready, c.started]), [['a', true, true], ['b', true, true]]);
    assert.equal(s.startTime, T0);
  });

  it('not ready names the unready containers; transition times move only on change', () => {
    const first = computePodStatus(makePod(), { hostIP: 'h', podIP: 'p', sandboxReady: true, containers: [running('a'), waiting('b')] }, T0);
    const ready = first.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.equal(ready.message, 'containers with unready status: [b]');
    const again = computePodStatus(makePod('Always', first), { hostIP: 'h', podIP: 'p', sandboxReady: true, containers: [running('a'), waiting('b')] }, T1);
    assert.equal(statusChanged(first, again), false);
    const later = computePodStatus(makePod('Always', first), { hostIP: 'h', podIP: 'p', sandboxReady: true, containers: [running('a'), running('b')] }, T1);
    assert.equal(later.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, T1);
    assert.equal(later.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime, T0);
    assert.equal(later.startTime, T0);
  });

  it('init containers: Pending and not Initialized until done; Failed when one failed for good', () => {
    const view = { hostIP: 'h', podIP: 'p', sandboxReady: true, containers: [waiting('a', 'PodInitializing'), waiting('b', 'PodInitializing')], initContainers: [running('i1'), waiting('i2', 'PodInitializing')], initialized: false };
    const s = computePodStatus(makePod(), view, T0);
    assert.equal(s.phase, 'Pending');
    const init = s.conditions!.find((c) => c.type === 'Initialized')!;
    assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i2]']);
    assert.deepEqual(s.initContainerStatuses?.map((c) => c.name), ['i1', 'i2']);
    assert.equal(podPhase(makePod('Never'), view.containers, { initialized: false, initFailed: true }), 'Failed');
  });

  it('a terminal phase never goes back', () => {
    const s = computePodStatus(makePod('Always', { phase: 'Failed' }), { hostIP: 'h', sandboxReady: true, containers: [running('a'), running('b')] }, T0);
    assert.equal(s.phase, 'Failed');
  });

  it('statusChanged ignores key order', () => {
    assert.equal(statusChanged({ phase: 'Running', podIP: 'x' }, { podIP: 'x', phase: 'Running' }), false);
    assert.equal(statusChanged({ phase: 'Running' }, { phase: 'Pending' }), true);
  });
});

describe('qosClass and active deadline', () => {
  const withResources = (...rs: { requests?: Record<string, string>; limits?: Record<string, string> }[]): Pod => ({
    spec: { containers: rs.map((resources, i) => ({ name: `c${i}`, resources })) },
  });
  it('classifies as kubelet does', () => {
    assert.equal(qosClass(withResources({})), 'BestEffort');
    assert.equal(qosClass(withResources({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
    assert.equal(qosClass(withResources({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
    assert.equal(qosClass(withResources({ requests: { cpu: '500m' } })), 'Burstable');
    assert.equal(qosClass(withResources({ limits: { cpu: '1', memory: '1Gi' } }, {})), 'Burstable');
  });
  it('counts activeDeadlineSeconds from startTime', () => {
    const p: Pod = { spec: { containers: [], activeDeadlineSeconds: 10 }, status: { startTime: '2026-01-01T00:00:00Z' } };
    assert.equal(activeDeadlineLeft(p, Date.parse('2026-01-01T00:00:04Z')), 6000);
    assert.equal(activeDeadlineLeft({ spec: { containers: [] } }), undefined);
  });
});

describe('computePodStatus with sidecars', () => {
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { initContainers: [{ name: 'init' }, { name: 'side', restartPolicy: 'Always' }], containers: [{ name: 'a' }] },
  };
  const init = [exited('init', 0), { ...running('side'), ready: false }];

  it('an unready sidecar keeps the pod not Ready (kubelet GenerateContainersReadyCondition)', () => {
    const s = computePodStatus(pod, { hostIP: 'h', sandboxReady: true, containers: [running('a')], initContainers: init, initialized: true }, T0);
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.message], ['False', 'containers with unready status: [side]']);
  });

  it('a ready sidecar and a finished init container leave the pod Ready', () => {
    const s = computePodStatus(pod, { hostIP: 'h', sandboxReady: true, containers: [running('a')], initContainers: [exited('init', 0), running('side')], initialized: true }, T0);
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });
});

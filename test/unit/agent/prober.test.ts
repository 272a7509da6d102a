import { describe, it, mock, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../../src/api/types.js';
import { ProbeManager } from '../../../src/agent/prober.js';
import { resolveProbePort } from '../../../src/agent/probe-exec.js';

const target = (c: Container) => ({ podIP: '10.244.0.5', nodeNetns: 'n', pid: 1, container: c });
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('ProbeManager', () => {
  afterEach(() => mock.timers.reset());

  it('readiness starts not ready, turns ready after successThreshold, back after failureThreshold', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const results = [true, true, false, false, true];
    let calls = 0;
    const changes: string[] = [];
    const m = new ProbeManager(async () => ({ ok: results[calls++] ?? true, output: 'x' }), (uid) => changes.push(uid), () => 0);
    const c: Container = { name: 'c', readinessProbe: { periodSeconds: 1, successThreshold: 2, failureThreshold: 2, httpGet: { port: 80 } } };
    m.ensure('u', c, 'a1', target(c), 0);
    assert.equal(m.status('u', c, 'a1').ready, false);
    const step = async () => {
      mock.timers.tick(1000);
      await flush();
    };
    mock.timers.tick(0);
    await flush();
    assert.equal(m.status('u', c, 'a1').ready, false, 'one success is below the threshold');
    await step();
    assert.equal(m.status('u', c, 'a1').ready, true);
    await step();
    assert.equal(m.status('u', c, 'a1').ready, true, 'one failure is below the threshold');
    await step();
    assert.equal(m.status('u', c, 'a1').ready, false);
    assert.deepEqual(changes, ['u', 'u']);
    m.stop();
  });

  it('startup gates liveness; a failed liveness asks for a kill; a new attempt starts over', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const seen: string[] = [];
    const m = new ProbeManager(async (p) => {
      const kind = p.exec?.command?.[0] ?? '';
      seen.push(kind);
      return { ok: kind === 'startup', output: `${kind} said no` };
    }, () => undefined, () => 0);
    const c: Container = {
      name: 'c',
      startupProbe: { periodSeconds: 1, failureThreshold: 1, exec: { command: ['startup'] } },
      livenessProbe: { periodSeconds: 1, failureThreshold: 1, exec: { command: ['liveness'] } },
    };
    m.ensure('u', c, 'a1', target(c), 0);
    assert.equal(m.status('u', c, 'a1').started, false);
    mock.timers.tick(0);
    await flush();
    assert.equal(m.status('u', c, 'a1').started, true);
    mock.timers.tick(1000);
    await flush();
    assert.match(m.status('u', c, 'a1').killReason ?? '', /^Container c failed liveness probe, will be restarted$/);
    m.ensure('u', c, 'a2', target(c), 0);
    assert.equal(m.status('u', c, 'a2').killReason, undefined);
    assert.equal(m.status('u', c, 'a2').started, false);
    m.removePod('u');
  });

  it('resolves named probe ports through the container ports', () => {
    const c: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
    assert.equal(resolveProbePort('http', c, 'httpGet'), 8080);
    assert.equal(resolveProbePort(81, c, 'httpGet'), 81);
    assert.equal(resolveProbePort('82', c, 'httpGet'), 82);
    assert.throws(() => resolveProbePort('nope', c, 'readinessProbe.httpGet'), /readinessProbe\.httpGet\.port: container "c" has no port of that name/);
  });
});

describe('ProbeManager timing', () => {
  afterEach(() => mock.timers.reset());

  it('probes every periodSeconds from the previous start, however long a probe takes (kubelet\'s ticker)', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const starts: number[] = [];
    const slow = () => {
      starts.push(Date.now());
      return new Promise<{ ok: boolean; output: string }>((r) => setTimeout(() => r({ ok: false, output: 'slow' }), 700));
    };
    const m = new ProbeManager(slow, () => undefined, () => Date.now());
    const c: Container = { name: 'c', readinessProbe: { periodSeconds: 1, timeoutSeconds: 1, exec: { command: ['x'] } } };
    m.ensure('u', c, 'a1', target(c), 0);
    for (let t = 0; t < 3000; t += 100) {
      mock.timers.tick(100);
      await flush();
    }
    // One second apart (not 1.7 s: period plus the probe's own 0.7 s).
    assert.deepEqual(starts.slice(1).map((s, i) => s - starts[i]!), [1000, 1000]);
    m.stop();
  });
});

describe('ProbeManager stop', () => {
  afterEach(() => mock.timers.reset());

  it('starts no worker once stopped (a sync still running at agent stop)', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    let calls = 0;
    const m = new ProbeManager(async () => {
      calls++;
      return { ok: true, output: '' };
    }, () => undefined, () => 0);
    const c: Container = { name: 'c', livenessProbe: { periodSeconds: 1, exec: { command: ['x'] } } };
    m.stop();
    m.ensure('u', c, 'a1', target(c), 0);
    mock.timers.tick(5000);
    await flush();
    assert.equal(calls, 0);
  });
});

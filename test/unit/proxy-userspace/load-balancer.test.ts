import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadBalancerRR, MissingEndpointsError } from '../../../src/proxy/userspace/load-balancer.js';

/** A balancer whose shuffle keeps the order (random() = 0.999) and whose clock the test moves. */
function makeLB() {
  const clock = { t: 1_000_000 };
  const lb = new LoadBalancerRR({ now: () => clock.t, random: () => 0.999 });
  return { lb, clock };
}

const SP = 'default/web/tcp/http';

test('round robin hands out every endpoint in turn', () => {
  const { lb } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'], 0);
  const got = Array.from({ length: 6 }, () => lb.nextEndpoint(SP, '10.244.0.9'));
  assert.deepEqual(got, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
});

test('the endpoint list is shuffled when it changes (upstream shuffles on update)', () => {
  const seq = [0, 0];
  const lb = new LoadBalancerRR({ now: () => 0, random: () => seq.shift() ?? 0 });
  lb.update(SP, ['a:1', 'b:1', 'c:1'], 0);
  // Fisher-Yates with j = 0 twice: c<->a then b<->c.
  assert.deepEqual(lb.endpoints(SP), ['b:1', 'c:1', 'a:1']);
});

test('an unchanged endpoint set keeps the rotation position', () => {
  const { lb } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80'], 0);
  assert.equal(lb.nextEndpoint(SP, 'c'), '10.0.0.1:80');
  lb.update(SP, ['10.0.0.2:80', '10.0.0.1:80'], 0);
  assert.equal(lb.nextEndpoint(SP, 'c'), '10.0.0.2:80');
});

test('ClientIP affinity: a client sticks to its endpoint while it returns within the timeout', () => {
  const { lb, clock } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80'], 10);
  const first = lb.nextEndpoint(SP, '10.244.0.2');
  const other = lb.nextEndpoint(SP, '10.244.0.3');
  assert.notEqual(first, other);
  for (let i = 0; i < 5; i++) {
    clock.t += 9_000; // each visit refreshes the session
    assert.equal(lb.nextEndpoint(SP, '10.244.0.2'), first);
  }
});

test('ClientIP affinity expires after timeoutSeconds of idleness', () => {
  const { lb, clock } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80'], 10);
  assert.equal(lb.nextEndpoint(SP, 'x'), '10.0.0.1:80');
  clock.t += 10_000;
  assert.equal(lb.nextEndpoint(SP, 'x'), '10.0.0.2:80');
});

test('a retry (sessionAffinityReset) moves on and re-pins the client', () => {
  const { lb } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80'], 10);
  assert.equal(lb.nextEndpoint(SP, 'x'), '10.0.0.1:80');
  assert.equal(lb.nextEndpoint(SP, 'x', true), '10.0.0.2:80');
  assert.equal(lb.nextEndpoint(SP, 'x'), '10.0.0.2:80');
});

test('sessions pinned to an endpoint that left are dropped', () => {
  const { lb } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80'], 10);
  assert.equal(lb.nextEndpoint(SP, 'x'), '10.0.0.1:80');
  lb.update(SP, ['10.0.0.2:80', '10.0.0.3:80'], 10);
  assert.notEqual(lb.nextEndpoint(SP, 'x'), '10.0.0.1:80');
});

test('cleanupStaleStickySessions forgets idle sessions only', () => {
  const { lb, clock } = makeLB();
  lb.update(SP, ['10.0.0.1:80', '10.0.0.2:80'], 10);
  assert.equal(lb.nextEndpoint(SP, 'old'), '10.0.0.1:80');
  clock.t += 6_000;
  assert.equal(lb.nextEndpoint(SP, 'new'), '10.0.0.2:80');
  clock.t += 5_000;
  lb.cleanupStaleStickySessions();
  assert.equal(lb.nextEndpoint(SP, 'new'), '10.0.0.2:80'); // still pinned
  assert.equal(lb.nextEndpoint(SP, 'old'), '10.0.0.1:80'); // re-picked by rotation
});

test('no endpoints, or an unknown service port, throws MissingEndpointsError naming it', () => {
  const { lb } = makeLB();
  lb.update(SP, [], 0);
  assert.throws(() => lb.nextEndpoint(SP, 'x'), (e: unknown) => e instanceof MissingEndpointsError && e.message.includes(`"${SP}"`));
  assert.throws(() => lb.nextEndpoint('default/none/tcp/', 'x'), MissingEndpointsError);
});

test('retain forgets service ports that are gone', () => {
  const { lb } = makeLB();
  lb.update(SP, ['10.0.0.1:80'], 0);
  lb.update('default/other/udp/', ['10.0.0.5:53'], 0);
  lb.retain(new Set([SP]));
  assert.deepEqual(lb.endpoints('default/other/udp/'), []);
  assert.deepEqual(lb.endpoints(SP), ['10.0.0.1:80']);
});

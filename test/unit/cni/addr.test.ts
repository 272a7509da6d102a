import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addIP, contains, formatIP, lastAddr, networkAddr, parseCIDR, parseIP } from '../../../src/cni/ip/addr.js';

describe('cni ip/addr', () => {
  it('round-trips IPv4 and IPv6 text in Go form', () => {
    for (const [input, want] of [
      ['10.244.0.1', '10.244.0.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::', '::'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
      ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ]) {
      assert.equal(formatIP(parseIP(input)!), want, input);
    }
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['10.0.0', '10.0.0.256', '1::2::3', 'x', '', '01234::', '10.0.0.1/24']) assert.equal(parseIP(bad), undefined, bad);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/x']) assert.equal(parseCIDR(bad), undefined, bad);
  });

  it('computes network, last address and containment', () => {
    const n = parseCIDR('10.244.1.77/24')!;
    assert.equal(formatIP(networkAddr(n)), '10.244.1.0');
    assert.equal(formatIP(lastAddr(n)), '10.244.1.255');
    assert.ok(contains(n, parseIP('10.244.1.254')!));
    assert.ok(!contains(n, parseIP('10.244.2.1')!));
    assert.ok(!contains(n, parseIP('fd00::1')!));
    assert.equal(formatIP(addIP(parseIP('10.0.0.255')!, 1n)), '10.0.1.0');
    assert.equal(formatIP(lastAddr(parseCIDR('fd00:10::/64')!)), 'fd00:10::ffff:ffff:ffff:ffff');
  });
});

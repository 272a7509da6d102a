import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostLocalConfig } from '../../../src/cni/ipam/config.js';
import { CniError } from '../../../src/cni/types.js';
import type { NetConf } from '../../../src/cni/types.js';
import { formatIP } from '../../../src/cni/ip/addr.js';

const conf = (ipam: Record<string, unknown>): NetConf => ({ cniVersion: '1.0.0', name: 'net', type: 'bridge', ipam: { type: 'host-local', ...ipam } });

const rejects = (ipam: Record<string, unknown>, field: RegExp, args: Array<[string, string]> = []) =>
  assert.throws(() => parseHostLocalConfig(conf(ipam), args), (e: unknown) => e instanceof CniError && e.code === 7 && field.test(e.msg));

describe('host-local config', () => {
  it('applies the reference defaults: .1 gateway, .1 .. broadcast-1', () => {
    const c = parseHostLocalConfig(conf({ ranges: [[{ subnet: '10.244.1.0/24' }]] }));
    const r = c.rangeSets[0][0];
    assert.deepEqual([formatIP(r.rangeStart), formatIP(r.rangeEnd), formatIP(r.gateway!)], ['10.244.1.1', '10.244.1.254', '10.244.1.1']);
    assert.equal(c.dataDir, '/var/lib/cni/networks');
    const v6 = parseHostLocalConfig(conf({ ranges: [[{ subnet: 'fd00:1::/120' }]] })).rangeSets[0][0];
    assert.equal(formatIP(v6.rangeEnd), 'fd00:1::ff');
  });

  it('accepts the legacy single-range form before ranges', () => {
    const c = parseHostLocalConfig(conf({ subnet: '10.1.0.0/16', rangeStart: '10.1.2.0', ranges: [[{ subnet: 'fd00::/64' }]] }));
    assert.equal(c.rangeSets.length, 2);
    assert.equal(formatIP(c.rangeSets[0][0].rangeStart), '10.1.2.0');
  });

  it('rejects bad ranges with code 7 naming the field', () => {
    rejects({}, /^ipam\.ranges: no IP ranges specified/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/31' }]] }, /^ipam\.ranges\[0\]\[0\]\.subnet: .*too small/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/32' }]] }, /too small/);
    rejects({ ranges: [[{ subnet: '10.0.0.5/24' }]] }, /subnet: Network has host bits set/);
    rejects({ ranges: [[{ subnet: 'banana' }]] }, /^ipam\.ranges\[0\]\[0\]\.subnet: Invalid CIDR/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.1.1' }]] }, /rangeStart: 10\.0\.1\.1 not in network 10\.0\.0\.0\/24/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24', gateway: 'nope' }]] }, /gateway: Invalid IP address/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.9', rangeEnd: '10.0.0.3' }]] }, /rangeStart: .* is after rangeEnd/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: '10.0.0.0/25' }]] }, /^ipam\.ranges\[0\]\[1\]: .*overlaps/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: 'fd00::/64' }]] }, /mixed address families/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.0/16' }]] }, /range set 1 overlaps with range set 0/);
    rejects({ ranges: [] , subnet: undefined }, /no IP ranges/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24' }]], routes: [{ dst: 'x' }] }, /^ipam\.routes\[0\]\.dst/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24' }]], dataDir: 5 }, /^ipam\.dataDir/);
    rejects({ ranges: [[{ subnet: '10.0.0.0/24' }]] }, /^ips: Invalid IP address "10\.0\.0\.x"/, [['IP', '10.0.0.x']]);
  });

  it('collects requested IPs from CNI_ARGS and runtimeConfig', () => {
    const c = parseHostLocalConfig({ ...conf({ ranges: [[{ subnet: '10.0.0.0/24' }]] }), runtimeConfig: { ips: ['10.0.0.9/24'] } }, [['IP', '10.0.0.7']]);
    assert.deepEqual(c.requestedIPs.map(formatIP), ['10.0.0.7', '10.0.0.9']);
  });
});

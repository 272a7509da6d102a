import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate, candidates } from '../../../src/cni/ipam/allocator.js';
import { parseHostLocalConfig } from '../../../src/cni/ipam/config.js';
import { allocateAll } from '../../../src/cni/ipam/host-local.js';
import { MemoryStore } from '../../../src/cni/ipam/store.js';
import { formatIP, parseIP } from '../../../src/cni/ip/addr.js';
import { CniError, type NetConf } from '../../../src/cni/types.js';

const config = (ranges: unknown[], extra: Record<string, unknown> = {}) =>
  parseHostLocalConfig({ cniVersion: '1.0.0', name: 'n', type: 'x', ipam: { type: 'host-local', ranges, ...extra } } as NetConf);
const set = (...ranges: Array<Record<string, string>>) => config([ranges]).rangeSets[0];

describe('host-local allocator (in-memory store)', () => {
  it('hands out .2, .3, ... skipping the gateway, and records last_reserved_ip', async () => {
    const s = new MemoryStore();
    const rs = set({ subnet: '10.0.0.0/29' });
    const got = [];
    for (const id of ['a', 'b', 'c']) got.push((await allocate(rs, '0', s, id, 'eth0')).address);
    assert.deepEqual(got, ['10.0.0.2/29', '10.0.0.3/29', '10.0.0.4/29']);
    assert.equal(s.lastReserved.get('0'), '10.0.0.4');
    assert.equal(s.ips.get('10.0.0.2'), 'a\r\neth0');
  });

  it('goes round-robin from last_reserved_ip + 1 and wraps, skipping what is taken', async () => {
    const s = new MemoryStore();
    const rs = set({ subnet: '10.0.0.0/29' });
    s.lastReserved.set('0', '10.0.0.5');
    await s.reserve('x', 'eth0', '10.0.0.2', 'other');
    assert.equal((await allocate(rs, '0', s, 'a', 'eth0')).address, '10.0.0.6/29');
    assert.equal((await allocate(rs, '0', s, 'b', 'eth0')).address, '10.0.0.3/29', 'wrapped, .1 is the gateway, .2 taken');
  });

  it('walks a pool of ranges in order and reports exhaustion', async () => {
    const s = new MemoryStore();
    const rs = set({ subnet: '10.0.0.0/30' }, { subnet: '10.0.1.0/30', gateway: '10.0.1.2' });
    const got = [];
    for (const id of ['a', 'b']) got.push((await allocate(rs, '0', s, id, 'eth0')).address);
    assert.deepEqual(got, ['10.0.0.2/30', '10.0.1.1/30']);
    await assert.rejects(allocate(rs, '0', s, 'c', 'eth0'), (e: unknown) => e instanceof CniError && /no IP addresses available in range set 10\.0\.0\.1-10\.0\.0\.2,10\.0\.1\.1-10\.0\.1\.2/.test(e.msg));
  });

  it('rejects a duplicate (id, ifname) in the same range set', async () => {
    const s = new MemoryStore();
    const rs = set({ subnet: '10.0.0.0/24' });
    await allocate(rs, '0', s, 'a', 'eth0');
    await assert.rejects(allocate(rs, '0', s, 'a', 'eth0'), /10\.0\.0\.2 has been allocated to a, duplicate allocation is not allowed/);
    assert.equal((await allocate(rs, '0', s, 'a', 'eth1')).address, '10.0.0.3/24', 'another ifname is fine');
  });

  it('honours a requested IP and refuses a taken one or the gateway', async () => {
    const s = new MemoryStore();
    const rs = set({ subnet: '10.0.0.0/24' });
    assert.equal((await allocate(rs, '0', s, 'a', 'eth0', parseIP('10.0.0.50'))).address, '10.0.0.50/24');
    await assert.rejects(allocate(rs, '0', s, 'b', 'eth0', parseIP('10.0.0.50')), /requested IP address 10\.0\.0\.50 is not available/);
    await assert.rejects(allocate(rs, '0', s, 'b', 'eth0', parseIP('10.0.0.1')), /not available/);
  });

  it('enumerates every address once, starting after the last one', () => {
    const rs = set({ subnet: '10.0.0.0/29' });
    const all = (last?: string) => [...candidates(rs, last ? parseIP(last) : undefined)].map((c) => formatIP(c.ip));
    assert.deepEqual(all(), ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    assert.deepEqual(all('10.0.0.4'), ['10.0.0.5', '10.0.0.6', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    assert.deepEqual(all('192.168.0.1'), all(), 'a last IP outside the set starts over');
  });

  it('allocates one IP per range set (dual stack) and releases all on failure', async () => {
    const s = new MemoryStore();
    const cfg = config([[{ subnet: '10.0.0.0/30' }], [{ subnet: 'fd00::/126' }]]);
    const ips = await allocateAll(cfg, s, 'a', 'eth0');
    assert.deepEqual(ips.map((i) => i.address), ['10.0.0.2/30', 'fd00::2/126']);
    assert.deepEqual(await s.getByID('a', 'eth0'), ['10.0.0.2', 'fd00::2']);
    s.ips.set('fd00::3', 'z\r\neth0');
    await assert.rejects(allocateAll(cfg, s, 'b', 'eth0'), /no IP addresses available/);
    assert.deepEqual(await s.getByID('b', 'eth0'), [], 'the v4 address taken first was released');
  });

  it('releases by (id, ifname) and the legacy id-only record', async () => {
    const s = new MemoryStore();
    s.ips.set('10.0.0.2', 'a\r\neth0');
    s.ips.set('10.0.0.3', 'a\r\neth1');
    s.ips.set('10.0.0.4', 'a');
    await s.releaseByID('a', 'eth0');
    assert.deepEqual([...s.ips.keys()], ['10.0.0.3']);
  });
});

describe('host-local GC', () => {
  it('releases reservations whose owner is not a valid attachment', async () => {
    const { collectGarbage } = await import('../../../src/cni/ipam/host-local.js');
    const s = new MemoryStore();
    s.ips.set('10.0.0.2', 'a\r\neth0');
    s.ips.set('10.0.0.3', 'b\r\neth0');
    s.ips.set('10.0.0.4', 'a\r\neth1');
    assert.deepEqual(await collectGarbage(s, [{ containerID: 'a', ifname: 'eth0' }]), ['10.0.0.3', '10.0.0.4']);
    assert.deepEqual([...s.ips.keys()], ['10.0.0.2']);
  });
});

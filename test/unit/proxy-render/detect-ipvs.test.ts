/** IPVS detection: from /proc/net/ip_vs, the module lists and the tools on PATH. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { detectIpvs, requireIpvs, type DetectDeps } from '../../../src/proxy/ipvs/index.js';

const deps = (files: Record<string, string>): DetectDeps => ({
  exists: (p) => p in files,
  read: (p) => files[p],
  kernelRelease: '6.1.0-test',
  path: '/usr/bin',
});

test('no /proc/net/ip_vs and no module: not available, and the reason says the kernel has no IPVS', () => {
  const s = detectIpvs(deps({ '/usr/sbin/ipvsadm': '', '/usr/sbin/ipset': '' }));
  assert.equal(s.available, false);
  assert.equal(s.kernel, 'absent');
  assert.match(s.reason, /kernel \(6\.1\.0-test\) has no IPVS/);
  assert.throws(() => requireIpvs(deps({})), /proxy mode "ipvs" is not available: this kernel .* has no IPVS/);
});

test('a loadable module with the tools is available; without ipvsadm it is not, and says which tool', () => {
  const mod = { '/lib/modules/6.1.0-test/modules.dep': 'kernel/net/netfilter/ipvs/ip_vs.ko: kernel/net/netfilter/nf_conntrack.ko\n' };
  assert.equal(detectIpvs(deps({ ...mod, '/usr/sbin/ipvsadm': '', '/usr/sbin/ipset': '' })).available, true);
  const s = detectIpvs(deps({ ...mod, '/usr/sbin/ipset': '' }));
  assert.equal(s.available, false);
  assert.equal(s.kernel, 'module');
  assert.match(s.reason, /ipvsadm is not installed/);
});

test('loaded IPVS is detected from /proc/net/ip_vs', () => {
  const s = detectIpvs(deps({ '/proc/net/ip_vs': '', '/usr/bin/ipvsadm': '', '/usr/bin/ipset': '' }));
  assert.deepEqual([s.available, s.kernel], [true, 'loaded']);
});

test('on this machine the answer matches the kernel (this CI kernel has no IPVS)', () => {
  const s = detectIpvs();
  if (!existsSync('/proc/net/ip_vs')) assert.notEqual(s.kernel, 'loaded');
  assert.equal(s.available, s.kernel !== 'absent' && s.tools.ipvsadm && s.tools.ipset);
  if (!s.available) assert.throws(() => requireIpvs(), /proxy mode "ipvs" is not available/);
});

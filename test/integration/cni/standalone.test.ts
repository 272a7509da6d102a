/**
 * podnet's plugins run standalone (bin/cni shims → node, no socket), as a runtime that knows
 * nothing of podnet would exec them: the plugin protocol (exit codes, error JSON, VERSION),
 * host-local's store under concurrent processes (the O_EXCL lock), a stale lock left by a dead
 * process, and a DEL after the conflist disappeared (served from the result cache).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/dataplane/exec.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { CniError } from '../../../src/cni/types.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';

const plugin = (type: string, env: Record<string, string>, stdin: string) =>
  run(join(SHIM_DIR, type), [], { env: { PATH: process.env.PATH, ...env }, input: stdin, allowFailure: true });

describe('podnet plugins, standalone', () => {
  const fx = new CniFixture();
  before(() => fx.setup());
  after(() => fx.teardown());

  const ipamConf = (dataDir: string, subnet = '10.248.0.0/24') =>
    JSON.stringify({ cniVersion: '1.0.0', name: 'sa', ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir } });

  it('speaks the plugin protocol: VERSION, error codes, non-zero exit', async () => {
    const v = await plugin('bridge', { CNI_COMMAND: 'VERSION' }, '');
    assert.equal(v.code, 0);
    assert.ok(JSON.parse(v.stdout).supportedVersions.includes('1.0.0'));
    const missing = await plugin('host-local', { CNI_COMMAND: 'ADD' }, ipamConf(fx.dir));
    assert.notEqual(missing.code, 0);
    assert.equal(JSON.parse(missing.stdout).code, 4);
    const undecodable = await plugin('host-local', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'x', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' }, '{');
    assert.equal(JSON.parse(undecodable.stdout).code, 6);
    const small = await plugin('host-local', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'x', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' }, ipamConf(fx.dir, '10.0.0.0/31'));
    assert.deepEqual([JSON.parse(small.stdout).code, /too small/.test(JSON.parse(small.stdout).msg)], [7, true]);
    const unknown = await run('node', [join(SHIM_DIR, '..', '..', 'dist/src/cni/main.js'), 'nope'], { allowFailure: true });
    assert.equal(JSON.parse(unknown.stdout).code, 7);
  });

  it('keeps host-local consistent under concurrent processes', async () => {
    const dataDir = join(fx.dir, 'concurrent');
    const n = 8;
    const outs = await Promise.all(Array.from({ length: n }, (_, i) =>
      plugin('host-local', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: `c${i}`, CNI_NETNS: '/x', CNI_IFNAME: 'eth0' }, ipamConf(dataDir))));
    const addrs = outs.map((o) => (JSON.parse(o.stdout) as { ips: Array<{ address: string }> }).ips[0].address);
    assert.equal(new Set(addrs).size, n, `distinct: ${addrs.join(' ')}`);
    const files = (await readdir(join(dataDir, 'sa'))).filter((f) => /^\d/.test(f));
    assert.equal(files.length, n);
    assert.equal(existsSync(join(dataDir, 'sa', 'lock.podnet')), false, 'lock released');
  });

  it('takes over a lock left by a dead process', async () => {
    const dataDir = join(fx.dir, 'stale');
    await mkdir(join(dataDir, 'sa'), { recursive: true });
    const dead = await run('sh', ['-c', 'sh -c "echo \\$\\$" ']);
    await writeFile(join(dataDir, 'sa', 'lock.podnet'), dead.stdout.trim());
    const out = await plugin('host-local', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' }, ipamConf(dataDir));
    assert.equal(out.code, 0, out.stdout);
    assert.equal(await readFile(join(dataDir, 'sa', '10.248.0.2'), 'latin1'), 'c\r\neth0');
  });

  it('tears down from the result cache once the conflist is gone', async () => {
    const node = await fx.netns('sn');
    const pod = await fx.netns('sp');
    const confDir = join(fx.dir, 'net.d');
    const dataDir = join(fx.dir, 'cachedel');
    await mkdir(confDir);
    await writeFile(join(confDir, '10-sa.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'sa',
      plugins: [{ type: 'bridge', isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.248.1.0/24' }]], dataDir } }] }));
    const rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'results'), hostNetns: node });
    const p = { containerId: 'ctr', netns: netnsPath(pod), ifName: 'eth0' };
    await rt.addNetwork(p);
    const cache = JSON.parse(await readFile(join(fx.dir, 'results', 'sa-ctr-eth0'), 'utf8'));
    assert.equal(cache.kind, 'cniCacheV1');
    assert.equal((await stat(join(fx.dir, 'results', 'sa-ctr-eth0'))).mode & 0o777, 0o600, 'cache file mode 0600');
    assert.deepEqual([cache.containerId, cache.ifName, cache.networkName, cache.netns], ['ctr', 'eth0', 'sa', netnsPath(pod)]);
    assert.equal(JSON.parse(Buffer.from(cache.config, 'base64').toString()).name, 'sa');
    await rm(confDir, { recursive: true });
    await rt.delNetwork(p);
    assert.deepEqual((await readdir(join(dataDir, 'sa'))).filter((f) => /^\d/.test(f)), []);
    assert.equal(existsSync(join(fx.dir, 'results', 'sa-ctr-eth0')), false);
  });

  it('reports an unreachable CNI server clearly, directly and through curl', async () => {
    const node = await fx.netns('dn');
    const pod = await fx.netns('dp');
    const confDir = join(fx.dir, 'down.d');
    await mkdir(confDir);
    await writeFile(join(confDir, '10-d.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'down', plugins: [{ type: 'loopback' }] }));
    const socket = join(fx.dir, 'nobody-listens.sock');
    for (const directShims of [true, false]) {
      const rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'down-results'), hostNetns: node, env: { PODNET_CNI_SOCKET: socket }, directShims });
      const e = await rt.addNetwork({ containerId: 'x', netns: netnsPath(pod), ifName: 'lo' }).catch((x: unknown) => x);
      assert.ok(e instanceof CniError, String(e));
      assert.equal(e.code, 11, 'try again later');
      assert.match(e.message, /loopback ADD failed \(code 11\): podnet cni: cannot reach the CNI server/);
    }
  });
});

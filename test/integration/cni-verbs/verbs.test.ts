/**
 * Spec 1.1.0 verbs on every plugin in bin/cni, exec'd as a foreign runtime would (CNI_*
 * environment, config on stdin, no agent): VERSION, STATUS (gated on 1.1.0, code 50 when not
 * ready), the error codes, and a ptp + portmap network at 1.1.0 through ADD, CHECK, GC and DEL.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/dataplane/exec.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import { CniError } from '../../../src/cni/types.js';
import { CniFixture, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';
import { natRules } from '../../helpers/cni-differential.js';

const PLUGINS = ['bridge', 'host-local', 'loopback', 'ptp', 'portmap'];

const exec = async (type: string, env: Record<string, string>, stdin: unknown, ns?: string) => {
  const input = typeof stdin === 'string' ? stdin : JSON.stringify(stdin);
  const cmd = ns ? ['ip', ['netns', 'exec', ns, join(SHIM_DIR, type)]] as const : [join(SHIM_DIR, type), []] as const;
  const out = await run(cmd[0], cmd[1], { env: { PATH: process.env.PATH, CNI_PATH: SHIM_DIR, ...env }, input, allowFailure: true });
  return { code: out.code, json: out.stdout ? JSON.parse(out.stdout) : undefined };
};

describe('CNI verbs, plugins exec\'d standalone', () => {
  const fx = new CniFixture();
  before(() => fx.setup());
  after(() => fx.teardown());

  it('VERSION: every plugin speaks up to 1.1.0', async () => {
    for (const type of PLUGINS) {
      const v = await exec(type, { CNI_COMMAND: 'VERSION' }, '{}');
      assert.equal(v.code, 0, type);
      assert.deepEqual([v.json.cniVersion, v.json.supportedVersions.includes('1.0.0'), v.json.supportedVersions.at(-1)], ['1.1.0', true, '1.1.0'], type);
    }
  });

  it('STATUS: code 1 before 1.1.0, ready at 1.1.0, code 50 when the IPAM store cannot be written', async () => {
    const ipam = { type: 'host-local', subnet: '10.244.250.0/24', dataDir: join(fx.dir, 'status') };
    for (const type of PLUGINS) {
      const conf = { name: 'st', type, ...(['bridge', 'ptp', 'host-local'].includes(type) ? { ipam } : {}) };
      assert.equal((await exec(type, { CNI_COMMAND: 'STATUS' }, { ...conf, cniVersion: '1.0.0' })).json?.code, 1, `${type} at 1.0.0`);
      const ok = await exec(type, { CNI_COMMAND: 'STATUS' }, { ...conf, cniVersion: '1.1.0' });
      assert.equal(ok.code, 0, `${type}: ${JSON.stringify(ok.json)}`);
    }
    const blocked = join(fx.dir, 'file');
    await writeFile(blocked, '');
    const no = await exec('ptp', { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0', name: 'st', type: 'ptp', ipam: { ...ipam, dataDir: blocked } });
    assert.equal(no.json.code, 50, JSON.stringify(no.json));
  });

  it('errors carry the spec codes and name the field', async () => {
    const add = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/run/netns/none', CNI_IFNAME: 'eth0' };
    const base = { cniVersion: '1.0.0', name: 'e', ipam: { type: 'host-local', subnet: '10.244.251.0/24', dataDir: join(fx.dir, 'e') } };
    const cases: Array<[string, Record<string, string>, unknown, number, RegExp]> = [
      ['ptp', { CNI_COMMAND: 'ADD' }, { ...base, type: 'ptp' }, 4, /CNI_CONTAINERID/],
      ['ptp', { ...add, CNI_COMMAND: 'FROB' }, { ...base, type: 'ptp' }, 4, /CNI_COMMAND/],
      ['ptp', add, '{nope', 6, /unmarshal/],
      ['ptp', add, { ...base, type: 'ptp', cniVersion: '9.9.9' }, 1, /incompatible/],
      ['ptp', add, { ...base, type: 'ptp', ipMasq: true }, 2, /^ipMasq/],
      ['ptp', add, { ...base, type: 'ptp', mtu: 'big' }, 7, /^mtu/],
      ['portmap', add, { ...base, type: 'portmap', prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] }, runtimeConfig: { portMappings: [{ hostPort: 99999, containerPort: 80 }] } }, 7, /hostPort/],
      ['portmap', add, { ...base, type: 'portmap' }, 7, /prevResult/],
      ['ptp', add, { ...base, type: 'ptp' }, 8, /netns/],
    ];
    for (const [type, env, conf, code, msg] of cases) {
      const out = await exec(type, env, conf);
      assert.notEqual(out.code, 0);
      assert.equal(out.json.code, code, `${type} ${JSON.stringify(out.json)}`);
      assert.match(out.json.msg, msg);
    }
  });

  it('ptp + portmap at 1.1.0: ADD, CHECK, GC frees the IP and the rules of an invalid attachment, DEL', async () => {
    const node = await fx.netns('node');
    const dataDir = join(fx.dir, 'networks');
    const confDir = join(fx.dir, 'net.d');
    await mkdir(confDir);
    await writeFile(join(confDir, '10-ptp.conflist'), JSON.stringify({
      cniVersion: '1.1.0', name: 'ptp11',
      plugins: [
        { type: 'ptp', ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.252.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }));
    const rt = new CniRuntime({ confDir, binDirs: [SHIM_DIR], cacheDir: join(fx.dir, 'results'), hostNetns: node });
    const pods = await Promise.all([1, 2].map(async (i) => ({ containerId: `k${i}`, netns: netnsPath(await fx.netns(`k${i}`)), ifName: 'eth0', capabilityArgs: { portMappings: [{ hostPort: 8000 + i, containerPort: 80, protocol: 'tcp' }] } })));
    for (const p of pods) assert.equal((await rt.addNetwork(p)).cniVersion, '1.1.0');
    for (const p of pods) await rt.checkNetwork(p);
    await rt.statusNetwork();
    // No cache entry: as libcni, the plugins run without prevResult and refuse (code 7).
    await assert.rejects(rt.checkNetwork({ ...pods[0], containerId: 'nobody' }), (e: CniError) => e.code === 7 && /prevResult/.test(e.message));
    // Only k2 is valid: GC DELs the cached k1 attachment, then plugin GC runs with the valid list.
    await rt.gcNetwork([{ containerId: 'k2', ifName: 'eth0' }]);
    const ipFiles = (await readdir(join(dataDir, 'ptp11'))).filter((f) => /^\d/.test(f));
    assert.deepEqual(ipFiles, ['10.244.252.3']);
    const nat = await natRules(node);
    assert.ok(nat.some((l) => l.includes('--dports 8002')) && !nat.some((l) => l.includes('--dports 8001')), nat.join('\n'));
    await rt.delNetwork(pods[1]);
    await rt.delNetwork(pods[1]);
    assert.deepEqual((await readdir(join(dataDir, 'ptp11'))).filter((f) => /^\d/.test(f)), []);
    assert.ok(!(await natRules(node)).some((l) => l.includes('CNI-DN-')));
  });

  it("execs a foreign IPAM binary: podnet's ptp with the reference host-local", async () => {
    const node = await fx.netns('mixn');
    const pod = await fx.netns('mixp');
    const mix = join(fx.dir, 'mix');
    await mkdir(mix);
    await symlink(join(SHIM_DIR, 'ptp'), join(mix, 'ptp'));
    const dataDir = join(fx.dir, 'mixnet');
    const conf = { cniVersion: '1.0.0', name: 'mixed', type: 'ptp', ipam: { type: 'host-local', subnet: '10.244.253.0/24', dataDir } };
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'm1', CNI_NETNS: netnsPath(pod), CNI_IFNAME: 'eth0', CNI_PATH: `${mix}:/usr/lib/cni` };
    const out = await run('ip', ['netns', 'exec', node, join(mix, 'ptp')], { env: { PATH: process.env.PATH, ...env }, input: JSON.stringify(conf), allowFailure: true });
    assert.equal(out.code, 0, out.stdout);
    assert.equal(JSON.parse(out.stdout).ips[0].address, '10.244.253.2/24');
    // CNI_PATH holds no podnet host-local, so the reference binary was exec'd and wrote the store.
    assert.deepEqual((await readdir(join(dataDir, 'mixed'))).sort(), ['10.244.253.2', 'last_reserved_ip.0', 'lock']);
    const del = await run('ip', ['netns', 'exec', node, join(mix, 'ptp')], { env: { PATH: process.env.PATH, ...env, CNI_COMMAND: 'DEL' }, input: JSON.stringify(conf), allowFailure: true });
    assert.equal(del.code, 0, del.stdout);
    assert.deepEqual((await readdir(join(dataDir, 'mixed'))).sort(), ['last_reserved_ip.0', 'lock']);
  });
});

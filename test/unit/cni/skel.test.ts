import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKnownArgs, parseCniArgs, parseEnv, runPlugin, type CniPlugin, type PluginContext } from '../../../src/cni/skel.js';
import { CniError } from '../../../src/cni/types.js';

const ADD_ENV = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/a:/b' };
const code = (fn: () => unknown, c: number, msg: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof CniError && e.code === c && msg.test(e.msg));

const fake: CniPlugin = {
  type: 'fake',
  version: { cniVersion: '1.0.0', supportedVersions: ['0.3.1', '1.0.0'] },
  add: async (conf) => ({ cniVersion: conf.cniVersion, ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }] }),
  del: async () => undefined,
  check: async () => {
    throw new CniError(3, 'fake: unknown container');
  },
};
const ctx: PluginContext = { env: {}, ipam: async () => undefined };

describe('cni skel', () => {
  it('parses CNI_ARGS pairs and rejects malformed ones with code 4', () => {
    assert.deepEqual(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=web-0;IP=10.0.0.5'), [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web-0'], ['IP', '10.0.0.5']]);
    assert.deepEqual(parseCniArgs(''), []);
    code(() => parseCniArgs('A=1;B'), 4, /CNI_ARGS: invalid pair "B"/);
    code(() => parseCniArgs('A=1=2'), 4, /invalid pair/);
  });

  it('rejects unknown CNI_ARGS keys unless IgnoreUnknown', () => {
    code(() => checkKnownArgs([['K8S_POD_NAME', 'x']], ['IP']), 4, /unknown args \["K8S_POD_NAME"\]/);
    checkKnownArgs([['IgnoreUnknown', 'true'], ['K8S_POD_NAME', 'x']], ['IP']);
    checkKnownArgs([['IP', '10.0.0.1']], ['IP']);
  });

  it('requires the variables each command needs', () => {
    const args = parseEnv(ADD_ENV, '{}');
    assert.equal(args.command, 'ADD');
    assert.deepEqual(args.path, ['/a', '/b']);
    code(() => parseEnv({ ...ADD_ENV, CNI_NETNS: '' }), 4, /required env variables \[CNI_NETNS\] missing/);
    code(() => parseEnv({ CNI_COMMAND: 'ADD' }), 4, /\[CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME\]/);
    parseEnv({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'abc', CNI_IFNAME: 'eth0' });
    parseEnv({ CNI_COMMAND: 'VERSION' });
    code(() => parseEnv({}), 4, /\[CNI_COMMAND\] missing/);
    code(() => parseEnv({ ...ADD_ENV, CNI_COMMAND: 'FOO' }), 4, /unknown CNI_COMMAND: FOO/);
    code(() => parseEnv({ ...ADD_ENV, CNI_CONTAINERID: '-bad id' }), 4, /CNI_CONTAINERID/);
    code(() => parseEnv({ ...ADD_ENV, CNI_IFNAME: 'a/b' }), 4, /CNI_IFNAME/);
    code(() => parseEnv({ ...ADD_ENV, CNI_IFNAME: 'sixteen-chars-xx' }), 4, /CNI_IFNAME/);
  });

  it('renders results, versions and errors as the spec says', async () => {
    const ok = await runPlugin(fake, ADD_ENV, '{"cniVersion":"1.0.0","name":"n","type":"fake"}', ctx);
    assert.equal(ok.exitCode, 0);
    assert.deepEqual(JSON.parse(ok.stdout), { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 }], dns: {} });
    const old = await runPlugin(fake, ADD_ENV, '{"cniVersion":"0.3.1","name":"n","type":"fake"}', ctx);
    assert.equal(JSON.parse(old.stdout).ips[0].version, '4', '0.3.x results carry ips[].version');
    const bad = await runPlugin(fake, ADD_ENV, '{"cniVersion":', ctx);
    assert.equal(bad.exitCode, 1);
    assert.equal(JSON.parse(bad.stdout).code, 6);
    const incompatible = await runPlugin(fake, ADD_ENV, '{"cniVersion":"9.9.9","name":"n"}', ctx);
    assert.deepEqual([JSON.parse(incompatible.stdout).code, JSON.parse(incompatible.stdout).msg], [1, 'incompatible CNI versions']);
    const envErr = await runPlugin(fake, { CNI_COMMAND: 'ADD' }, '{}', ctx);
    assert.equal(JSON.parse(envErr.stdout).code, 4);
    const check = await runPlugin(fake, { ...ADD_ENV, CNI_COMMAND: 'CHECK' }, '{"cniVersion":"1.0.0","name":"n"}', ctx);
    assert.deepEqual(JSON.parse(check.stdout), { cniVersion: '1.0.0', code: 3, msg: 'fake: unknown container' });
    const del = await runPlugin(fake, { ...ADD_ENV, CNI_COMMAND: 'DEL' }, '{"cniVersion":"1.0.0","name":"n"}', ctx);
    assert.deepEqual(del, { exitCode: 0, stdout: '' });
    const version = await runPlugin(fake, { CNI_COMMAND: 'VERSION' }, '', ctx);
    assert.deepEqual(JSON.parse(version.stdout), { cniVersion: '1.0.0', supportedVersions: ['0.3.1', '1.0.0'] });
    const newer = await runPlugin(fake, ADD_ENV, '{"cniVersion":"1.1.0","name":"n"}', ctx);
    assert.match(JSON.parse(newer.stdout).details, /plugin supports \["0\.3\.1","1\.0\.0"\]/);
  });
});

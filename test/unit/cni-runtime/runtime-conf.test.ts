/**
 * RuntimeConf checks with libcni's codes (pkg/utils): 3 missing container ID, 4 bad container
 * ID or interface name, 7 bad network name; every error names the field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RuntimeConf, cniArgsString, validateNetworkName, validateRuntimeConf } from '../../../src/cni/runtime-conf.js';
import type { CniError } from '../../../src/cni/types.js';

const ok: RuntimeConf = { containerId: 'abc_1.2-3', netns: '/run/netns/x', ifName: 'eth0' };
const codeOf = (f: () => void): [number | undefined, string] => {
  try {
    f();
    return [undefined, ''];
  } catch (e) {
    return [(e as CniError).code, (e as Error).message];
  }
};

describe('runtime conf checks', () => {
  it('accepts a valid conf and a 15-character interface name', () => {
    validateRuntimeConf(ok);
    validateRuntimeConf({ ...ok, ifName: 'a'.repeat(15) });
    validateNetworkName('cbr0.k8s-pod_network');
  });

  it('refuses with libcni\'s codes, naming the field', () => {
    const cases: Array<[Partial<RuntimeConf>, number, RegExp]> = [
      [{ containerId: '' }, 3, /containerId: missing/],
      [{ containerId: '-a' }, 4, /containerId: invalid characters/],
      [{ containerId: 'a/b' }, 4, /containerId/],
      [{ ifName: '' }, 4, /ifName: interface name is empty/],
      [{ ifName: 'a'.repeat(16) }, 4, /ifName: .*too long/],
      [{ ifName: '.' }, 4, /ifName/],
      [{ ifName: 'a:b' }, 4, /ifName/],
      [{ ifName: 'a\tb' }, 4, /ifName/],
      [{ args: [['K', 'a;b']] }, 4, /args/],
    ];
    for (const [over, code, msg] of cases) {
      const [got, text] = codeOf(() => validateRuntimeConf({ ...ok, ...over }));
      assert.equal(got, code, JSON.stringify(over));
      assert.match(text, msg);
    }
    assert.deepEqual(codeOf(() => validateNetworkName('bad name'))[0], 7);
    assert.match(codeOf(() => validateNetworkName(''))[1], /name: invalid characters/);
  });

  it('CNI_ARGS: IgnoreUnknown=1 first unless given', () => {
    assert.equal(cniArgsString([]), '');
    assert.equal(cniArgsString([['K8S_POD_NAME', 'web']]), 'IgnoreUnknown=1;K8S_POD_NAME=web');
    assert.equal(cniArgsString([['IgnoreUnknown', '1'], ['A', 'b']]), 'IgnoreUnknown=1;A=b');
  });
});

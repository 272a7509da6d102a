/** The security settings the agent hands the shim, from a container's securityContext and the node root. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPABILITIES, OCI_READONLY_PATHS, capabilitiesFor, containerSecurity, podnetHiddenPaths } from '../../../src/agent/container-security.js';

describe('capabilitiesFor', () => {
  const cases: { name: string; sc?: object; want: string[] | undefined }[] = [
    { name: 'default: containerd set without MKNOD', want: DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD') },
    { name: 'privileged keeps everything', sc: { privileged: true }, want: undefined },
    { name: 'drop ALL then add', sc: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'cap_net_raw'] } }, want: ['CAP_NET_ADMIN', 'CAP_NET_RAW'] },
    { name: 'drop one', sc: { capabilities: { drop: ['KILL', 'CHOWN'] } }, want: DEFAULT_CAPABILITIES.filter((c) => !['CAP_MKNOD', 'CAP_KILL', 'CAP_CHOWN'].includes(c)) },
    { name: 'add MKNOD on purpose', sc: { capabilities: { add: ['MKNOD'] } }, want: [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD'), 'CAP_MKNOD'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(capabilitiesFor({ name: 'c', securityContext: c.sc }), c.want));
  }
  it('names the field of an invalid capability', () => {
    assert.throws(() => capabilitiesFor({ name: 'web', securityContext: { capabilities: { add: ['NET ADMIN'] } } }), /containers\[web\]\.securityContext\.capabilities\.add: not a capability name/);
  });
});

describe('podnetHiddenPaths', () => {
  it('hides the state root of every cluster when the node root follows the layout', () => {
    assert.deepEqual(podnetHiddenPaths('/var/lib/podnet/podnet/nodes/node1', 'podnet', ['/opt/podnet']), ['/var/lib/podnet', '/run/netns']);
  });
  it('hides the node root alone otherwise', () => {
    assert.deepEqual(podnetHiddenPaths('/tmp/t1-node1-abc', 't1', []), ['/tmp/t1-node1-abc', '/run/netns']);
  });
  it('never hides the program the container runs, nor /', () => {
    assert.deepEqual(podnetHiddenPaths('/srv/podnet/c1/nodes/node1', undefined, ['/srv/podnet/repo/dist/src/images/main.js']), ['/run/netns']);
    assert.deepEqual(podnetHiddenPaths('/c1/nodes/node1', undefined, []), ['/run/netns']);
  });
});

describe('containerSecurity', () => {
  it('masks and makes read-only as runc does, except for a privileged container', () => {
    const plain = containerSecurity({ name: 'c' }, ['/s']);
    assert.equal(plain.privateDev, true);
    assert.ok(plain.maskedPaths.includes('/s') && plain.maskedPaths.includes('/proc/kcore'));
    assert.deepEqual(plain.readonlyPaths, OCI_READONLY_PATHS);
    const priv = containerSecurity({ name: 'c', securityContext: { privileged: true } }, ['/s']);
    assert.deepEqual([priv.privateDev, priv.maskedPaths, priv.readonlyPaths, priv.capabilities], [false, ['/s'], [], undefined]);
  });
});

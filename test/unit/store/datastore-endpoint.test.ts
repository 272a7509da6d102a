/** `--datastore-endpoint` as k3s takes it for etcd, and the store the control plane opens from cluster.json. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { datastorePrefix, newClusterConfig, parseDatastoreEndpoint, paths } from '../../../src/cluster/config.js';
import { controlPlaneStoreOptions } from '../../../src/cli/daemons.js';

describe('parseDatastoreEndpoint', () => {
  for (const [value, endpoints] of [
    ['http://127.0.0.1:2379', ['http://127.0.0.1:2379']],
    ['https://etcd-1:2379, https://etcd-2:2379/', ['https://etcd-1:2379', 'https://etcd-2:2379/']],
  ] as const) {
    it(`accepts ${value}`, () => assert.deepEqual(parseDatastoreEndpoint(value), endpoints));
  }
  for (const value of ['', '127.0.0.1:2379', 'etcd://127.0.0.1:2379', 'mysql://u:p@tcp(db:3306)/k3s', 'http://a:1,postgres://b/k3s', 'http://a:1/path']) {
    it(`refuses "${value}" naming the flag`, () => assert.throws(() => parseDatastoreEndpoint(value), /^Error: --datastore-endpoint: Invalid value/));
  }
});

describe('controlPlaneStoreOptions', () => {
  const cfg = newClusterConfig('demo', 1, 6443, 't');
  it('is the embedded SQLite database by default', () => {
    assert.deepEqual(controlPlaneStoreOptions(cfg), { kind: 'sqlite', path: paths.storeDb(cfg.root) });
  });
  it("is the external etcd under the cluster's prefix with --datastore-endpoint", () => {
    assert.equal(datastorePrefix('demo'), '/podnet/demo');
    assert.deepEqual(controlPlaneStoreOptions({ ...cfg, datastoreEndpoint: 'http://127.0.0.1:2379,http://127.0.0.2:2379' }), {
      kind: 'etcd',
      endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.2:2379'],
      prefix: '/podnet/demo',
    });
  });
});

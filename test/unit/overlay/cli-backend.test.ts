import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leftovers, podnet, uniqueName } from '../../helpers/cluster.js';

test('podnet up --backend with a bad value fails before anything is built, naming the flag', () => {
  const name = uniqueName('u');
  const r = podnet(['up', '--name', name, '--backend', 'hostgw'], 30_000);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'podnet: --backend: Unsupported value: "hostgw": supported values: "vxlan", "host-gw", "bgp"\n');
  assert.deepEqual(leftovers(name), []);
});

test('podnet help names --backend and its values', () => {
  assert.match(podnet(['--help'], 30_000).stdout, /--backend vxlan\|host-gw/);
});

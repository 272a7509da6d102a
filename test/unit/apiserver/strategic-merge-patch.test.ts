import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMergePatch } from '../../../src/apiserver/strategic-merge-patch.js';
import { listStrategy } from '../../../src/apiserver/merge-keys.js';

const deploy = () => ({
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'side', image: 'busybox' },
        ],
        volumes: [{ name: 'v1', emptyDir: {} }],
        tolerations: [{ key: 'k1' }],
      },
    },
  },
});

const cases: { name: string; patch: unknown; check: (out: ReturnType<typeof deploy>) => void }[] = [
  {
    name: 'kubectl apply: image change with $setElementOrder keeps other fields of the container',
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'side' }], containers: [{ name: 'c', image: 'nginx:1.28' }] } } } },
    check: (o) => {
      const c = o.spec.template.spec.containers;
      assert.deepEqual(c.map((x) => [x.name, x.image]), [['c', 'nginx:1.28'], ['side', 'busybox']]);
      assert.equal(c[0].ports!.length, 2);
      assert.equal(c[0].env!.length, 2);
    },
  },
  {
    name: 'container ports merge by containerPort, env by name',
    patch: { spec: { template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080 }], env: [{ name: 'B', value: 'x' }] }] } } } },
    check: (o) => {
      const c = o.spec.template.spec.containers[0];
      assert.deepEqual(c.ports, [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443 }, { containerPort: 8080 }]);
      assert.deepEqual(c.env, [{ name: 'A', value: '1' }, { name: 'B', value: 'x' }]);
    },
  },
  {
    name: '$patch: delete removes a merge-keyed element; null deletes a map key',
    patch: { metadata: { labels: { tier: null } }, spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } },
    check: (o) => {
      assert.deepEqual(o.metadata.labels, { app: 'web' });
      assert.deepEqual(o.spec.template.spec.containers.map((c) => c.name), ['c']);
    },
  },
  {
    name: 'lists without a merge key (tolerations) are replaced',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'k2' }] } } } },
    check: (o) => assert.deepEqual(o.spec.template.spec.tolerations, [{ key: 'k2' }]),
  },
  {
    name: 'finalizers merge as a set; $deleteFromPrimitiveList removes',
    patch: { metadata: { finalizers: ['b', 'a'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
    check: (o) => assert.deepEqual(o.metadata.finalizers, ['b']),
  },
  {
    name: '$patch: replace on a map replaces it',
    patch: { spec: { template: { spec: { $patch: 'replace', containers: [{ name: 'only', image: 'x' }] } } } },
    check: (o) => assert.deepEqual(o.spec.template.spec, { containers: [{ name: 'only', image: 'x' }] } as never),
  },
  {
    name: '$setElementOrder reorders merged lists',
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'c' }] } } } },
    check: (o) => assert.deepEqual(o.spec.template.spec.containers.map((c) => c.name), ['side', 'c']),
  },
  {
    name: '$retainKeys drops keys not listed',
    patch: { spec: { template: { spec: { volumes: [{ name: 'v1', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] } } } },
    check: (o) => assert.deepEqual(o.spec.template.spec.volumes, [{ name: 'v1', hostPath: { path: '/x' } }] as never),
  },
];

describe('strategic merge patch', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const orig = deploy();
      const out = strategicMergePatch(orig, tc.patch) as ReturnType<typeof deploy>;
      tc.check(out);
      assert.deepEqual(orig, deploy(), 'the original is not modified');
    });
  }

  it('Service ports merge by port; conditions by type', () => {
    const svc = { spec: { ports: [{ port: 80, name: 'a' }, { port: 443, name: 'b' }] }, status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    const out = strategicMergePatch(svc, { spec: { ports: [{ port: 443, targetPort: 8443 }] }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'True' }] } }) as typeof svc;
    assert.deepEqual(out.spec.ports, [{ port: 80, name: 'a' }, { port: 443, name: 'b', targetPort: 8443 }]);
    assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'True' }]);
  });

  it('merge-key table resolves by path suffix', () => {
    assert.deepEqual(listStrategy('spec.template.spec.containers'), { kind: 'merge', key: 'name' });
    assert.deepEqual(listStrategy('spec.template.spec.containers.ports'), { kind: 'merge', key: 'containerPort' });
    assert.deepEqual(listStrategy('spec.ports'), { kind: 'merge', key: 'port' });
    assert.deepEqual(listStrategy('spec.ingress.ports'), { kind: 'replace' });
    assert.deepEqual(listStrategy('metadata.finalizers'), { kind: 'set' });
  });
});

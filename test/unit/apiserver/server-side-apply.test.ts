/**
 * The field manager's pure parts: field sets (paths as FieldsV1 keys), Update bookkeeping in
 * managedFields, and server-side apply's conflicts, force and removal of dropped fields.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Obj } from '../../../src/apiserver/codec.js';
import { flattenFields, fromFieldsV1, pathString, toFieldsV1 } from '../../../src/apiserver/field-set.js';
import { type FieldManagerInfo, type ManagedFieldsEntry, managerName, updateManagedFields } from '../../../src/apiserver/managed-fields.js';
import { serverSideApply } from '../../../src/apiserver/server-side-apply.js';
import { StatusError } from '../../../src/apiserver/status.js';

const deployment = (tweak: (d: Obj) => void = () => {}): Obj => {
  const d: Obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' }, finalizers: ['a/b'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx', args: ['-x'], ports: [{ containerPort: 80 }] }] },
      },
    },
    status: { replicas: 0 },
  };
  tweak(d);
  return d;
};
const update = (manager: string, subresource?: string): FieldManagerInfo => ({ manager, operation: 'Update', apiVersion: 'apps/v1', subresource });
const apply = (manager: string): FieldManagerInfo => ({ manager, operation: 'Apply', apiVersion: 'apps/v1' });
const entries = (o: Obj): ManagedFieldsEntry[] => (o.metadata?.managedFields ?? []) as unknown as ManagedFieldsEntry[];
const paths = (e: ManagedFieldsEntry | undefined): string[] => [...fromFieldsV1(e?.fieldsV1)].map(pathString).sort();
const spec = (o: Obj): Record<string, unknown> => o.spec as Record<string, unknown>;

describe('field sets', () => {
  it('flatten an object by its schema: maps, keyed lists, sets, atomic lists and selectors', () => {
    const keys = [...flattenFields('Deployment', deployment()).keys()].map(pathString).sort();
    assert.deepEqual(keys, [
      '.apiVersion',
      '.kind',
      '.metadata.finalizers[="a/b"]',
      '.metadata.labels',
      '.metadata.labels.app',
      '.metadata.name',
      '.metadata.namespace',
      '.metadata.uid',
      '.spec.replicas',
      '.spec.selector',
      '.spec.template.metadata.labels',
      '.spec.template.metadata.labels.app',
      '.spec.template.spec.containers[name="c"]',
      '.spec.template.spec.containers[name="c"].args',
      '.spec.template.spec.containers[name="c"].image',
      '.spec.template.spec.containers[name="c"].name',
      '.spec.template.spec.containers[name="c"].ports[containerPort=80]',
      '.spec.template.spec.containers[name="c"].ports[containerPort=80].containerPort',
      '.status.replicas',
    ]);
  });

  it('FieldsV1 round-trips', () => {
    const flat = flattenFields('Deployment', deployment());
    const tree = toFieldsV1(flat.keys());
    assert.deepEqual((tree['f:metadata'] as Record<string, unknown>)['f:labels'], { '.': {}, 'f:app': {} });
    assert.deepEqual(fromFieldsV1(tree), new Set(flat.keys()));
  });
});

describe('managedFields on Update', () => {
  it('create gives the manager every field but system metadata and (with a status subresource) status', () => {
    const d = deployment();
    updateManagedFields('Deployment', true, d, undefined, update('kubectl-create'));
    const [e] = entries(d);
    assert.equal(e.manager, 'kubectl-create');
    assert.equal(e.operation, 'Update');
    assert.equal(e.fieldsType, 'FieldsV1');
    const owned = paths(e);
    assert.ok(owned.includes('.spec.replicas'));
    assert.ok(!owned.some((p) => p.startsWith('.status') || p === '.metadata.name' || p === '.metadata.uid' || p === '.kind'));
  });

  it('an update takes the changed fields from their owner; a no-op changes nothing', () => {
    const prev = deployment();
    updateManagedFields('Deployment', true, prev, undefined, update('creator'));
    const next = structuredClone(prev);
    spec(next).replicas = 5;
    updateManagedFields('Deployment', true, next, prev, update('scaler'));
    assert.deepEqual(paths(entries(next).find((e) => e.manager === 'scaler')), ['.spec.replicas']);
    assert.ok(!paths(entries(next).find((e) => e.manager === 'creator')).includes('.spec.replicas'));
    const same = structuredClone(next);
    updateManagedFields('Deployment', true, same, next, update('other'));
    assert.deepEqual(same.metadata?.managedFields, next.metadata?.managedFields, 'no entry, no new time');
  });

  it('a /status write owns only status; vanished fields leave every set', () => {
    const prev = deployment();
    updateManagedFields('Deployment', true, prev, undefined, update('creator'));
    const next = structuredClone(prev);
    (next.status as Record<string, unknown>).replicas = 2;
    delete next.metadata!.labels;
    updateManagedFields('Deployment', true, next, prev, update('controller', 'status'));
    const ctrl = entries(next).find((e) => e.manager === 'controller');
    assert.equal(ctrl?.subresource, 'status');
    assert.deepEqual(paths(ctrl), ['.status.replicas']);
    assert.ok(!paths(entries(next).find((e) => e.manager === 'creator')).some((p) => p.startsWith('.metadata.labels')));
  });

  it('the manager is ?fieldManager, else the User-Agent product', () => {
    assert.equal(managerName('kubectl-edit', 'kubectl/v1.32.4'), 'kubectl-edit');
    assert.equal(managerName(null, 'kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07'), 'kubectl');
    assert.equal(managerName(null, undefined), 'unknown');
  });
});

describe('server-side apply', () => {
  const req = (manager: FieldManagerInfo, force = false) => ({ kind: 'Deployment', hasStatus: true, manager, force });

  it('conflicts with several managers are one 409 listing each, sorted by manager', () => {
    let live = serverSideApply({}, deployment(), req(apply('a')));
    const edited = structuredClone(live);
    spec(edited).replicas = 3;
    updateManagedFields('Deployment', true, edited, live, update('b'));
    live = serverSideApply(edited, { ...deployment(), spec: { ...spec(deployment()), replicas: 3 } }, req(apply('c')));
    const config = deployment((d) => {
      spec(d).replicas = 7;
      (d.metadata!.labels as Record<string, string>).app = 'other';
    });
    assert.throws(
      () => serverSideApply(live, config, req(apply('z'))),
      (e: unknown) => {
        assert.ok(e instanceof StatusError);
        assert.equal(e.code, 409);
        assert.equal(
          e.message,
          'Apply failed with 4 conflicts: conflicts with "a":\n- .metadata.labels.app\nconflicts with "b" using apps/v1:\n- .spec.replicas\nconflicts with "c":\n- .metadata.labels.app\n- .spec.replicas',
        );
        assert.equal(e.details?.causes?.length, 4);
        return true;
      },
    );
  });

  it('force takes fields over; fields the applier dropped are removed, others kept', () => {
    const live = serverSideApply({}, deployment(), req(apply('a')));
    const withSidecar = deployment((d) => (spec(d).template as { spec: { containers: unknown[] } }).spec.containers.push({ name: 's', image: 'busybox' }));
    const two = serverSideApply(live, withSidecar, req(apply('a')));
    assert.equal((spec(two).template as { spec: { containers: unknown[] } }).spec.containers.length, 2);
    const dropped = serverSideApply(two, deployment((d) => delete spec(d).replicas), req(apply('a')));
    assert.equal(spec(dropped).replicas, undefined, 'dropped leaf removed');
    assert.deepEqual((spec(dropped).template as { spec: { containers: { name: string }[] } }).spec.containers.map((c) => c.name), ['c'], 'dropped element removed');
    const forced = serverSideApply(dropped, { ...deployment(), metadata: { name: 'web', labels: { app: 'mine' } } }, req(apply('b'), true));
    assert.equal((forced.metadata?.labels as Record<string, string>).app, 'mine');
    assert.ok(!paths(entries(forced).find((e) => e.manager === 'a')).includes('.metadata.labels.app'));
  });
});

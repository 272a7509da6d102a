import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFields, parseFieldValidation, pruneUnknownFields } from '../../../src/apiserver/field-validation.js';
import { StatusError } from '../../../src/apiserver/status.js';

const deploy = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', creationTimestamp: null, labels: { a: 'b' }, annotations: { x: 'y' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { a: 'b' } },
    strategy: { rollingUpdate: { maxSurge: '25%' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
        volumes: [{ name: 'v', configMap: { name: 'cm' } }],
      },
    },
  },
  status: {},
});

describe('field validation', () => {
  it('accepts a full object of known fields (maps, int-or-string, quantities, nested lists)', () => {
    assert.deepEqual(pruneUnknownFields('Deployment', deploy()), []);
  });

  it('finds and drops unknown fields with upstream paths; SMP directives are not fields', () => {
    const d = deploy() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    d.spec.bogus = 1;
    d.spec.template.spec.containers[0].imagee = 'x';
    d.spec.template.spec['$setElementOrder/containers'] = [{ name: 'c' }];
    assert.deepEqual(pruneUnknownFields('Deployment', d).sort(), ['spec.bogus', 'spec.template.spec.containers[0].imagee']);
    assert.equal(d.spec.bogus, undefined);
    assert.equal(d.spec.template.spec.containers[0].imagee, undefined);
    assert.deepEqual(pruneUnknownFields('Deployment', d), []);
  });

  it('Strict throws a 400 with the upstream message; Warn returns warnings; Ignore is silent', () => {
    const bad = () => ({ ...deploy(), spec: { ...deploy().spec, foo: 1 } });
    assert.throws(
      () => checkFields('Deployment', bad(), 'Strict', { version: 'v1' }),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"',
    );
    assert.deepEqual(checkFields('Deployment', bad(), 'Warn'), ['unknown field "spec.foo"']);
    assert.deepEqual(checkFields('Deployment', bad(), 'Ignore'), []);
    assert.deepEqual(checkFields('Unserved', { anything: 1 }, 'Strict'), []);
    assert.equal(parseFieldValidation(null), 'Warn');
    assert.throws(() => parseFieldValidation('Loose'), /Unsupported value: "Loose"/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesLabels, parseLabelSelector, formatLabelSelector } from '../../../src/apiserver/label-selector.js';
import { matchesFields, parseFieldSelector } from '../../../src/apiserver/field-selector.js';
import { StatusError } from '../../../src/apiserver/status.js';

const labels = { app: 'web', tier: 'fe', 'example.com/role': 'x', empty: '' };

describe('label selectors', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (db, web)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['example.com/role=x', true],
    ['empty=', true],
    ['app=web,tier=be', false],
    [' app = web , tier in (fe) ', true],
  ];
  for (const [sel, want] of cases) it(`"${sel}" -> ${want}`, () => assert.equal(matchesLabels(parseLabelSelector(sel), labels), want));

  it('rejects garbage with a 400', () => {
    assert.throws(() => parseLabelSelector('app in web'), (e: unknown) => e instanceof StatusError && e.code === 400);
    assert.throws(() => parseLabelSelector('a=b=c'), (e: unknown) => e instanceof StatusError && e.code === 400);
  });

  it('formats metav1.LabelSelector as a string', () => {
    assert.equal(
      formatLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['y', 'x'] }, { key: 'n', operator: 'DoesNotExist' }] }),
      'a=1,b=2,k in (x,y),!n',
    );
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1' }, status: { phase: 'Running', podIP: '10.244.0.5' } };
  const cases: [string, boolean][] = [
    ['metadata.name=p', true],
    ['metadata.namespace==default', true],
    ['spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed', true],
    ['spec.nodeName=', false],
    ['status.podIP=10.244.0.5', true],
    ['spec.hostNetwork=false', true],
  ];
  for (const [sel, want] of cases) it(`Pod "${sel}" -> ${want}`, () => assert.equal(matchesFields(parseFieldSelector(sel, 'Pod'), pod), want));

  it('only the fields a kind supports', () => {
    assert.throws(() => parseFieldSelector('spec.nodeName=x', 'Service'), /field label not supported: spec.nodeName/);
    assert.equal(parseFieldSelector('spec.clusterIP=None', 'Service').length, 1);
    assert.equal(parseFieldSelector('involvedObject.uid=1,reason=Started', 'Event').length, 2);
  });
});

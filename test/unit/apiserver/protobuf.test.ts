import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufObject } from '../../../src/apiserver/protobuf.js';
import { StatusError } from '../../../src/apiserver/status.js';

// A tiny protobuf writer for test inputs: tag = field << 3 | wire type.
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
};
const bytesField = (field: number, data: number[] | string): number[] => {
  const b = typeof data === 'string' ? [...Buffer.from(data)] : data;
  return [...varint((field << 3) | 2), ...varint(b.length), ...b];
};
const intField = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];
const envelope = (apiVersion: string, kind: string, raw: number[]): Buffer =>
  Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bytesField(1, [...bytesField(1, apiVersion), ...bytesField(2, kind)]), ...bytesField(2, raw)]);

describe('protobuf request bodies', () => {
  it('decodes a Deployment: pointers keep zero, other zero values mean unset, intstr and maps', () => {
    const meta = [...bytesField(1, 'web'), ...bytesField(2, ''), ...bytesField(11, [...bytesField(1, 'app'), ...bytesField(2, 'web')])];
    const container = [...bytesField(1, 'c'), ...bytesField(2, 'nginx'), ...bytesField(6, [...intField(3, 80), ...bytesField(4, '')]), ...bytesField(8, [])];
    const podSpec = [...bytesField(2, container), ...bytesField(9, ''), ...bytesField(16, '')];
    const strategy = [...bytesField(2, [...bytesField(2, [...intField(1, 1), ...bytesField(3, '50%')])])];
    const spec = [...intField(1, 0), ...bytesField(2, [...bytesField(1, [...bytesField(1, 'app'), ...bytesField(2, 'web')])]), ...bytesField(3, [...bytesField(2, podSpec)]), ...bytesField(4, strategy)];
    const d = decodeProtobufObject(envelope('apps/v1', 'Deployment', [...bytesField(1, meta), ...bytesField(2, spec), ...bytesField(3, [...intField(1, 0)])]));
    assert.deepEqual(d, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] } },
        strategy: { rollingUpdate: { maxSurge: '50%' } },
      },
    });
  });

  it('refuses a field it does not model when it carries a value, and unknown kinds', () => {
    const podSpec = [...bytesField(2, bytesField(1, 'c')), ...bytesField(16, 'myhost')];
    const spec = [...bytesField(3, [...bytesField(2, podSpec)])];
    const is415 = (e: unknown): boolean => e instanceof StatusError && e.code === 415 && /field 16 of PodSpec/.test(e.message);
    assert.throws(() => decodeProtobufObject(envelope('apps/v1', 'Deployment', bytesField(2, spec))), is415);
    assert.throws(() => decodeProtobufObject(envelope('batch/v1', 'Job', [])), (e: unknown) => e instanceof StatusError && e.code === 415);
    assert.throws(() => decodeProtobufObject(Buffer.from('{"json":1}')), /missing k8s magic/);
  });

  it('Secret data is bytes (base64 in JSON)', () => {
    const s = decodeProtobufObject(envelope('v1', 'Secret', [...bytesField(1, bytesField(1, 's')), ...bytesField(2, [...bytesField(1, 'k'), ...bytesField(2, [0, 255])]), ...bytesField(3, 'Opaque')]));
    assert.deepEqual(s, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: Buffer.from([0, 255]).toString('base64') }, type: 'Opaque' });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { containerEnv, expandVars, fieldRefValue } from '../../../src/agent/container-env.js';

const pod: Pod = {
  metadata: { name: 'p1', namespace: 'ns1', uid: 'u1', labels: { app: 'web' } },
  spec: { nodeName: 'node1', containers: [] },
  status: { podIP: '10.244.0.7', hostIP: '172.18.0.11' },
};
const sources = {
  configMap: async (_ns: string, name: string) => (name === 'cm' ? { data: { color: 'blue', size: 'L' } } : undefined),
  secret: async (_ns: string, name: string) => (name === 's' ? { data: { pw: Buffer.from('hunter2').toString('base64') } } : undefined),
};

describe('container env', () => {
  it('expands $(VAR) references, $$ escapes, unknown ones stay', () => {
    const vars = new Map([['A', 'x']]);
    assert.equal(expandVars('$(A)-$(B)-$$(A)', vars), 'x-$(B)-$(A)');
  });

  it('resolves downward API fields and names an unsupported one', () => {
    assert.equal(fieldRefValue(pod, 'status.podIP'), '10.244.0.7');
    assert.equal(fieldRefValue(pod, "metadata.labels['app']"), 'web');
    assert.throws(() => fieldRefValue(pod, 'spec.bogus'), /fieldRef\.fieldPath/);
  });

  it('orders service vars, envFrom, env; sets HOSTNAME', async () => {
    const c = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'GREETING', value: 'hi $(CM_color) on $(KUBERNETES_SERVICE_HOST)' },
        { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
      ],
    };
    const env = await containerEnv(pod, c, [['KUBERNETES_SERVICE_HOST', '10.96.0.1']], sources);
    assert.deepEqual(Object.fromEntries(env), {
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      CM_color: 'blue',
      CM_size: 'L',
      GREETING: 'hi blue on 10.96.0.1',
      MY_IP: '10.244.0.7',
      PW: 'hunter2',
      HOSTNAME: 'p1',
    });
  });

  it('fails clearly on a missing key', async () => {
    const c = { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] };
    await assert.rejects(containerEnv(pod, c, [], sources), /env\[0\]\.valueFrom: key "k" of configmap "nope" not found/);
  });
});

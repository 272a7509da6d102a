/** Validation tables: each case names the kind, a tweak of a valid object, and the expected field errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject, validateObjectUpdate, fieldErrorMessage } from '../../../src/api/validation/index.js';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import { normalizeServiceUpdate } from '../../../src/api/defaults/service.js';
import type { Service, UnstructuredObject } from '../../../src/api/types.js';

// Test fixtures are loosely typed so each case can tweak any field.
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const base: Record<string, () => Obj> = {
  Pod: () => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } }),
  Service: () => ({ metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } }),
  Deployment: () => ({
    metadata: { name: 'd', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  }),
  EndpointSlice: () => ({ metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'] }], ports: [{ port: 80 }] }),
  Namespace: () => ({ metadata: { name: 'ns' } }),
};

const NAMESPACED: Record<string, boolean> = { Pod: true, Service: true, Deployment: true, EndpointSlice: true, Namespace: false };

function check(kind: string, tweak: (o: Obj) => void): string[] {
  const o = base[kind]();
  tweak(o);
  applyDefaults(kind, o as UnstructuredObject);
  return validateObject(kind, NAMESPACED[kind], o as UnstructuredObject).map(fieldErrorMessage);
}

const cases: [string, string, (o: Obj) => void, string[]][] = [
  ['Pod', 'valid', () => {}, []],
  ['Pod', 'missing image', (o) => delete o.spec.containers[0].image, ['spec.containers[0].image: Required value']],
  ['Pod', 'missing container name', (o) => delete o.spec.containers[0].name, ['spec.containers[0].name: Required value']],
  ['Pod', 'no containers', (o) => (o.spec.containers = []), ['spec.containers: Required value']],
  ['Pod', 'duplicate container', (o) => o.spec.containers.push({ name: 'c', image: 'j' }), ['spec.containers[1].name: Duplicate value: "c"']],
  ['Pod', 'port out of range', (o) => (o.spec.containers[0].ports[0].containerPort = 70000), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
  ['Pod', 'bad protocol', (o) => (o.spec.containers[0].ports[0].protocol = 'ICMP'), ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
  ['Pod', 'bad restartPolicy', (o) => (o.spec.restartPolicy = 'Sometimes'), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
  ['Pod', 'bad name', (o) => (o.metadata.name = 'Web_1'), [`metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`]],
  ['Pod', 'no name', (o) => delete o.metadata.name, ['metadata.name: Required value: name or generateName is required']],
  ['Pod', 'generateName ending in a dash', (o) => (o.metadata.generateName = 'web-'), []],
  [
    'Pod',
    'generateName with an underscore (the generated name fails too)',
    (o) => ((o.metadata.generateName = 'web_'), (o.metadata.name = 'web_x7k2p')),
    [
      `metadata.generateName: Invalid value: "web_": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      `metadata.name: Invalid value: "web_x7k2p": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
  ],
  ['Pod', 'bad label key', (o) => (o.metadata.labels = { 'a b': 'x' }), [`metadata.labels: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`]],
  ['Pod', 'bad label value', (o) => (o.metadata.labels = { a: '-x' }), [`metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`]],
  ['Pod', 'bad annotation key', (o) => (o.metadata.annotations = { 'x/y/z': 'v' }), [`metadata.annotations: Invalid value: "x/y/z": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]],
  ['Service', 'valid', () => {}, []],
  ['Service', 'port 0', (o) => (o.spec.ports[0].port = 0), ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive']],
  ['Service', 'two ports without names', (o) => o.spec.ports.push({ port: 81 }), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
  ['Service', 'duplicate port names', (o) => (o.spec.ports = [{ port: 80, name: 'a' }, { port: 81, name: 'a' }]), ['spec.ports[1].name: Duplicate value: "a"']],
  ['Service', 'targetPort out of range', (o) => (o.spec.ports[0].targetPort = 99999), ['spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and 65535, inclusive']],
  ['Service', 'bad type', (o) => (o.spec.type = 'Magic'), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
  ['Service', 'bad clusterIP', (o) => (o.spec.clusterIP = '10.96.0.300'), ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['Service', 'headless needs no ports', (o) => ((o.spec.clusterIP = 'None'), (o.spec.ports = [])), []],
  ['Service', 'no ports', (o) => (o.spec.ports = []), ['spec.ports: Required value']],
  ['Service', 'name must be a DNS-1035 label', (o) => (o.metadata.name = '1web'), [`metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`]],
  ['Deployment', 'valid', () => {}, []],
  ['Deployment', 'no selector', (o) => delete o.spec.selector, ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: {"app":"a"}: `selector` does not match template `labels`']],
  ['Deployment', 'selector does not match', (o) => (o.spec.selector.matchLabels = { app: 'b' }), ['spec.template.metadata.labels: Invalid value: {"app":"a"}: `selector` does not match template `labels`']],
  ['Deployment', 'negative replicas', (o) => (o.spec.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
  ['Deployment', 'template image missing', (o) => delete o.spec.template.spec.containers[0].image, ['spec.template.spec.containers[0].image: Required value']],
  ['EndpointSlice', 'valid', () => {}, []],
  ['EndpointSlice', 'bad address type', (o) => (o.addressType = 'IPv5'), ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']],
  ['EndpointSlice', 'bad address', (o) => (o.endpoints[0].addresses = ['10.0.0.x']), ['endpoints[0].addresses[0]: Invalid value: "10.0.0.x": must be a valid IPv4 address', 'endpoints[0].addresses[0]: Invalid value: "10.0.0.x": must be a valid IP address']],
  ['EndpointSlice', 'no addresses', (o) => (o.endpoints[0].addresses = []), ['endpoints[0].addresses: Required value: must contain at least 1 address']],
  ['Namespace', 'valid', () => {}, []],
  ['Namespace', 'dots are not allowed', (o) => (o.metadata.name = 'a.b'), [`metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`]],
];

describe('validation', () => {
  for (const [kind, name, tweak, want] of cases) it(`${kind}: ${name}`, () => assert.deepEqual(check(kind, tweak), want));

  it('Service update: clusterIP is immutable', () => {
    const prev = base.Service();
    prev.spec.clusterIP = '10.96.0.5';
    applyDefaults('Service', prev as UnstructuredObject);
    const next = structuredClone(prev);
    next.spec.clusterIP = '10.96.0.6';
    // As the apiserver's strategy does before validation: clusterIPs follows a changed clusterIP.
    normalizeServiceUpdate(next as Service, prev as Service);
    assert.deepEqual(validateObjectUpdate('Service', true, next as UnstructuredObject, prev as UnstructuredObject).map(fieldErrorMessage), [
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.6"]: may not change once set',
      'spec.clusterIP: Invalid value: "10.96.0.6": field is immutable',
    ]);
  });

  it('Deployment update: selector is immutable', () => {
    const prev = base.Deployment();
    const next = structuredClone(prev);
    next.spec.selector.matchLabels = { app: 'a', x: 'y' };
    next.spec.template.metadata.labels.x = 'y';
    assert.match(validateObjectUpdate('Deployment', true, next as UnstructuredObject, prev as UnstructuredObject).map(fieldErrorMessage).join(), /spec.selector: Invalid value: .*field is immutable/);
  });
});

describe('pod updates', () => {
  const update = (tweak: (o: Obj) => void, prevTweak: (o: Obj) => void = () => {}): string[] => {
    const prev = base.Pod();
    prevTweak(prev);
    applyDefaults('Pod', prev as UnstructuredObject);
    const next = structuredClone(prev);
    tweak(next);
    applyDefaults('Pod', next as UnstructuredObject);
    return validateObjectUpdate('Pod', true, next as UnstructuredObject, prev as UnstructuredObject).map(fieldErrorMessage);
  };
  it('allows image changes, added tolerations, labels', () => {
    assert.deepEqual(update((o) => ((o.spec.containers[0].image = 'j'), (o.metadata.labels = { a: 'b' }))), []);
    assert.deepEqual(update((o) => (o.spec.tolerations = [{ key: 'a' }, { key: 'b' }]), (o) => (o.spec.tolerations = [{ key: 'a' }])), []);
  });
  it('allows binding once, not re-binding', () => {
    assert.deepEqual(update((o) => (o.spec.nodeName = 'n1')), []);
    assert.deepEqual(update((o) => (o.spec.nodeName = 'n2'), (o) => (o.spec.nodeName = 'n1')), ['spec.nodeName: Forbidden: pod is already assigned to node "n1"']);
  });
  it('forbids other spec changes', () => {
    assert.match(update((o) => (o.spec.containers[0].command = ['sh'])).join(), /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    assert.equal(update((o) => (o.spec.tolerations = []), (o) => (o.spec.tolerations = [{ key: 'a' }])).length, 1);
  });
  it('key order is no change', () => {
    assert.deepEqual(update((o) => (o.spec = Object.fromEntries(Object.entries(o.spec).reverse()))), []);
  });
});

describe('defaulting', () => {
  it('pods and containers', () => {
    const p = base.Pod();
    p.spec.containers.push({ name: 'l', image: 'nginx' }, { name: 'd', image: 'reg:5000/nginx@sha256:abc' });
    applyDefaults('Pod', p as UnstructuredObject);
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(p.spec.schedulerName, 'default-scheduler');
    assert.equal(p.spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(p.spec.containers.map((c: { imagePullPolicy: string }) => c.imagePullPolicy), ['Always', 'Always', 'IfNotPresent']);
    assert.equal(p.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(p.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  });

  it('services and deployments', () => {
    const s = base.Service();
    s.spec.ports[0].targetPort = undefined;
    applyDefaults('Service', s as UnstructuredObject);
    assert.deepEqual([s.spec.type, s.spec.sessionAffinity, s.spec.internalTrafficPolicy, s.spec.ports[0].protocol, s.spec.ports[0].targetPort], ['ClusterIP', 'None', 'Cluster', 'TCP', 80]);
    const d = base.Deployment();
    delete d.spec.replicas;
    applyDefaults('Deployment', d as UnstructuredObject);
    assert.deepEqual([d.spec.replicas, d.spec.strategy.type, d.spec.strategy.rollingUpdate.maxSurge, d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds], [1, 'RollingUpdate', '25%', 10, 600]);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  });
});

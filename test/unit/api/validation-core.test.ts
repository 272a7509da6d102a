/** core/v1 validation tables: Namespace, Node, ConfigMap, Secret, ServiceAccount, Event, Endpoints; and Lease. */
import { type Obj, updateTable, validationTable } from '../../helpers/api-validation.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const KEY = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const LABEL_RE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

validationTable('Namespace', false, () => ({ metadata: { name: 'shop' } }), [
  ['name longer than 63', (o) => (o.metadata.name = 'n'.repeat(64)), [`metadata.name: Invalid value: "${'n'.repeat(64)}": must be no more than 63 characters`]],
  ['a namespace of its own', (o) => (o.metadata.namespace = 'default'), ['metadata.namespace: Forbidden: not allowed on this type']],
  ['finalizer that is not fully qualified', (o) => (o.spec = { finalizers: ['cleanup'] }), ['spec.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']],
  ['standard and qualified finalizers', (o) => (o.spec = { finalizers: ['kubernetes', 'example.com/cleanup'] }), []],
]);

const node = (): Obj => ({ metadata: { name: 'node1' }, spec: { podCIDR: '10.244.0.0/24' } });
validationTable('Node', false, node, [
  ['podCIDR not a CIDR', (o) => (o.spec.podCIDR = '10.244.0.0'), ['spec.podCIDRs[0]: Invalid value: "10.244.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
  ['taint without effect', (o) => (o.spec.taints = [{ key: 'dedicated', value: 'db' }]), ['spec.taints[0].effect: Required value']],
  ['taint with an unknown effect', (o) => (o.spec.taints = [{ key: 'dedicated', effect: 'NoRun' }]), ['spec.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
  [
    'the same taint key and effect twice',
    (o) => (o.spec.taints = [{ key: 'a', effect: 'NoSchedule' }, { key: 'a', value: 'x', effect: 'NoSchedule' }]),
    ['spec.taints[1]: Duplicate value: {"Key":"a","Value":"x","Effect":"NoSchedule","TimeAdded":null}: taints must be unique by key and effect pair'],
  ],
  ['same key, different effects', (o) => (o.spec.taints = [{ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }]), []],
]);
updateTable('Node', false, node, [
  ['podCIDR may not change once set', (o) => ((o.spec.podCIDR = '10.244.1.0/24'), (o.spec.podCIDRs = ['10.244.1.0/24'])), ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']],
  ['podCIDR may be set once', (o) => (o.spec.podCIDR = '10.244.3.0/24'), [], (o) => delete o.spec.podCIDR],
  ['taints may change', (o) => (o.spec.taints = [{ key: 'k', effect: 'NoSchedule' }]), []],
]);

validationTable('ConfigMap', true, () => ({ metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'x=1' } }), [
  ['key with a slash', (o) => (o.data['conf/app'] = 'x'), [`data[conf/app]: Invalid value: "conf/app": ${KEY}`]],
  ['key ..', (o) => (o.data['..'] = 'x'), ["data[..]: Invalid value: \"..\": must not be '..'"]],
  ['key in data and binaryData', (o) => (o.binaryData = { 'app.conf': b64('x') }), ['data[app.conf]: Invalid value: "app.conf": duplicate of key present in binaryData']],
  ['over 1MiB', (o) => (o.data.big = 'x'.repeat(1024 * 1024)), [': Too long: may not be more than 1048576 bytes']],
]);
updateTable('ConfigMap', true, () => ({ metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' }, immutable: true }), [
  ['data of an immutable ConfigMap', (o) => (o.data.a = '2'), ['data: Forbidden: field is immutable when `immutable` is set']],
  ['unsetting immutable', (o) => (o.immutable = false), ['immutable: Forbidden: field is immutable when `immutable` is set']],
  ['labels of an immutable ConfigMap may change', (o) => (o.metadata.labels = { a: 'b' }), []],
]);

const secret = (): Obj => ({ metadata: { name: 'creds', namespace: 'default' }, data: { password: b64('s3cret') } });
validationTable('Secret', true, secret, [
  ['stringData is merged into data', (o) => (o.stringData = { user: 'admin' }), []],
  ['bad key', (o) => (o.data['my key'] = b64('x')), [`data[my key]: Invalid value: "my key": ${KEY}`]],
  ['tls without the key', (o) => ((o.type = 'kubernetes.io/tls'), (o.data = { 'tls.crt': b64('c') })), ['data[tls.key]: Required value']],
  ['service account token without the account', (o) => (o.type = 'kubernetes.io/service-account-token'), ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
  ['dockerconfigjson that is not JSON', (o) => ((o.type = 'kubernetes.io/dockerconfigjson'), (o.data = { '.dockerconfigjson': b64('{') })), [`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": ${(() => { try { JSON.parse('{'); } catch (e) { return (e as Error).message; } return ''; })()}`]],
  ['basic-auth without username or password', (o) => ((o.type = 'kubernetes.io/basic-auth'), (o.data = {})), ['data[%s][username]: Required value', 'data[%s][password]: Required value']],
  ['over 1MiB', (o) => (o.data.big = b64('x'.repeat(1024 * 1024))), ['data: Too long: may not be more than 1048576 bytes']],
]);
updateTable('Secret', true, secret, [
  ['type is immutable', (o) => (o.type = 'kubernetes.io/basic-auth'), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']],
  ['data of an immutable Secret', (o) => (o.data.password = b64('other')), ['data: Forbidden: field is immutable when `immutable` is set'], (o) => (o.immutable = true)],
]);

validationTable('ServiceAccount', true, () => ({ metadata: { name: 'builder', namespace: 'default' } }), [
  ['name not a subdomain', (o) => (o.metadata.name = 'Builder'), ["metadata.name: Invalid value: \"Builder\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]],
]);

const event = (): Obj => ({
  metadata: { name: 'web.1', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
  reason: 'Started',
  type: 'Normal',
});
validationTable('Event', true, event, [
  ['involved object in another namespace', (o) => (o.involvedObject.namespace = 'shop'), ['involvedObject.namespace: Invalid value: "shop": does not match event.namespace']],
  ['cluster-scoped object, event in default', (o) => (o.involvedObject = { kind: 'Node', name: 'node1' }), []],
  ['unknown type', (o) => (o.type = 'Error'), ['type: Unsupported value: "Error": supported values: "Normal", "Warning"']],
  ['eventTime needs reporting fields', (o) => (o.eventTime = '2026-01-01T00:00:00.000000Z'), ['reportingComponent: Required value', 'reportingComponent: Invalid value: "": name part must be non-empty', 'reportingInstance: Required value', 'action: Required value']],
]);

const ep = (): Obj => ({ metadata: { name: 'hdls', namespace: 'default' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 8000 }] }] });
validationTable('Endpoints', true, ep, [
  ['a subset without addresses', (o) => delete o.subsets[0].addresses, ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']],
  ['address not an IP', (o) => (o.subsets[0].addresses[0].ip = '1.2.3'), ['subsets[0].addresses[0].ip: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)', 'subsets[0].addresses[0].ip: Invalid value: "1.2.3": must be a valid IP address']],
  ['loopback address', (o) => (o.subsets[0].addresses[0].ip = '127.0.0.1'), ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
  ['port 0', (o) => (o.subsets[0].ports[0].port = 0), ['subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
  ['two ports, one unnamed', (o) => o.subsets[0].ports.push({ name: 'b', port: 8001 }), ['subsets[0].ports[0].name: Required value']],
  ['hostname not a label', (o) => (o.subsets[0].addresses[0].hostname = 'web.0'), [`subsets[0].addresses[0].hostname: Invalid value: "web.0": ${LABEL_RE}`]],
]);

validationTable('Lease', true, () => ({ metadata: { name: 'node1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node1', leaseDurationSeconds: 40 } }), [
  ['zero duration', (o) => (o.spec.leaseDurationSeconds = 0), ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
  ['negative transitions', (o) => (o.spec.leaseTransitions = -1), ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0']],
]);

validationTable('ConfigMap', true, () => ({ metadata: { name: 'owned', namespace: 'default' } }), [
  ['owner reference without uid', (o) => (o.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1' }]), ['metadata.ownerReferences.uid: Invalid value: "": must not be empty']],
  [
    'two controllers',
    (o) => (o.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ]),
    ['metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b'],
  ],
  ['finalizer with two slashes', (o) => (o.metadata.finalizers = ['a/b/c']), ["metadata.finalizers: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
  ['orphan and foregroundDeletion', (o) => (o.metadata.finalizers = ['orphan', 'foregroundDeletion']), ['metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set']],
]);

/**
 * Broken variants of the seed manifests through the real apiserver: each is a 422 Invalid Status
 * whose causes carry upstream's reason, field path and message, and nothing is stored.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../../src/client/client.js';
import { startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';
import { parse as parseYaml } from 'yaml';
import { type Manifest, collectionPath, loadSeed, postManifest, seedText } from '../../helpers/api-seeds.js';

let api: TestApi;
let c: Client;
let nsCount = 0;

before(async () => {
  api = await startTestApi('api-test');
  c = api.client;
});
after(() => api.close());

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MISMATCH = '`selector` does not match template `labels`';
const tpl = 'spec.template.spec.containers';

/** [seed, variant, tweak, the causes as [reason, field, message]]. */
type Variant = [string, string, (m: Manifest) => void, [string, string, string][]];

const variants: Variant[] = [
  ['002-1', 'name with capitals and an underscore', (d) => (d.metadata.name = 'Web_Server'), [['FieldValueInvalid', 'metadata.name', `Invalid value: "Web_Server": ${SUBDOMAIN}`]]],
  ['002-1', 'template labels not matching the selector', (d) => (d.spec.template.metadata.labels.app = 'web-server'), [['FieldValueInvalid', 'spec.template.metadata.labels', `Invalid value: {"app":"web-server"}: ${MISMATCH}`]]],
  ['002-1', 'no selector', (d) => delete d.spec.selector, [['FieldValueRequired', 'spec.selector', 'Required value'], ['FieldValueInvalid', 'spec.template.metadata.labels', `Invalid value: {"app":"web_server"}: ${MISMATCH}`]]],
  ['002-1', 'both containers named httpd-test', (d) => (d.spec.template.spec.containers[1].name = 'httpd-test'), [['FieldValueDuplicate', `${tpl}[1].name`, 'Duplicate value: "httpd-test"']]],
  ['002-1', 'a container without image', (d) => delete d.spec.template.spec.containers[1].image, [['FieldValueRequired', `${tpl}[1].image`, 'Required value']]],
  ['002-1', 'httpd on port 80 declared as 70000', (d) => (d.spec.template.spec.containers[0].ports = [{ containerPort: 70000 }]), [['FieldValueInvalid', `${tpl}[0].ports[0].containerPort`, 'Invalid value: 70000: must be between 1 and 65535, inclusive']]],
  ['002-1', 'replicas -1', (d) => (d.spec.replicas = -1), [['FieldValueInvalid', 'spec.replicas', 'Invalid value: -1: must be greater than or equal to 0']]],
  ['002-1', 'maxSurge and maxUnavailable 0', (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }), [['FieldValueInvalid', 'spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: 0: may not be 0 when `maxSurge` is 0']]],
  ['003-1', 'policyTypes with a typo', (np) => (np.spec.policyTypes = ['Ingres']), [['FieldValueNotSupported', 'spec.policyTypes[0]', 'Unsupported value: "Ingres": supported values: "Ingress", "Egress"']]],
  ['003-1', 'an ipBlock whose except is outside its cidr', (np) => (np.spec.ingress[0].from.push({ ipBlock: { cidr: '172.17.0.0/16', except: ['172.18.1.0/24'] } })), [['FieldValueInvalid', 'spec.ingress[0].from[1].ipBlock.except[0]', 'Invalid value: "172.18.1.0/24": must be a strict subset of `cidr`']]],
  ['003-1', 'a podSelector key with a space', (np) => (np.spec.podSelector.matchLabels = { 'app component': 'database' }), [['FieldValueInvalid', 'spec.podSelector.matchLabels', "Invalid value: \"app component\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]]],
  ['004-1', 'the Service named HDLS', (s) => (s.metadata.name = 'HDLS'), [['FieldValueInvalid', 'metadata.name', `Invalid value: "HDLS": ${DNS1035}`]]],
  ['004-1', 'port 80800', (s) => (s.spec.ports[0].port = 80800), [['FieldValueInvalid', 'spec.ports[0].port', 'Invalid value: 80800: must be between 1 and 65535, inclusive']]],
  ['004-1', 'a second port without a name', (s) => s.spec.ports.push({ port: 9090 }), [['FieldValueRequired', 'spec.ports[0].name', 'Required value'], ['FieldValueRequired', 'spec.ports[1].name', 'Required value']]],
  ['004-1', 'sessionAffinity "ClusterIP", as the article writes', (s) => (s.spec.sessionAffinity = 'ClusterIP'), [['FieldValueNotSupported', 'spec.sessionAffinity', 'Unsupported value: "ClusterIP": supported values: "ClientIP", "None"']]],
  ['004-1', 'ClientIP affinity for more than a day', (s) => ((s.spec.sessionAffinity = 'ClientIP'), (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 90000 } })), [['FieldValueInvalid', 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'Invalid value: 90000: must be greater than 0 and less than 86400']]],
  ['004-1', 'externalTrafficPolicy on a ClusterIP Service', (s) => (s.spec.externalTrafficPolicy = 'Local'), [['FieldValueInvalid', 'spec.externalTrafficPolicy', 'Invalid value: "Local": may only be set for externally-accessible services']]],
  ['004-2', 'headless NodePort', (s) => (s.spec.type = 'NodePort'), [['FieldValueInvalid', 'spec.clusterIP', "Invalid value: \"None\": may not be set to 'None' for NodePort services"]]],
  ['004-3', 'ExternalName without externalName', (s) => (s.spec = { type: 'ExternalName' }), [['FieldValueRequired', 'spec.externalName', 'Required value']]],
  ['004-3', 'ExternalName that is not a DNS name', (s) => (s.spec = { type: 'ExternalName', externalName: 'db_1.example.com' }), [['FieldValueInvalid', 'spec.externalName', `Invalid value: "db_1.example.com": ${SUBDOMAIN}`]]],
  ['004-4', 'an address that is not an IP', (e) => (e.subsets = [{ addresses: [{ ip: '1.2.3' }], ports: [{ port: 8000 }] }]), [['FieldValueInvalid', 'subsets[0].addresses[0].ip', 'Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'], ['FieldValueInvalid', 'subsets[0].addresses[0].ip', 'Invalid value: "1.2.3": must be a valid IP address']]],
  ['004-5', 'both ports named dns', (s) => (s.spec.ports[1].name = 'dns'), [['FieldValueDuplicate', 'spec.ports[1].name', 'Duplicate value: "dns"']]],
  ['004-5', 'both ports TCP', (s) => (s.spec.ports[1].protocol = 'TCP'), [['FieldValueDuplicate', 'spec.ports[1]', 'Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":8080,"TargetPort":0,"NodePort":0}']]],
  ['004-5', 'protocol HTTP', (s) => (s.spec.ports[0].protocol = 'HTTP'), [['FieldValueNotSupported', 'spec.ports[0].protocol', 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']]],
  ['004-6', 'hostPort 0x10000', (p) => (p.spec.containers[0].ports[0].hostPort = 65536), [['FieldValueInvalid', 'spec.containers[0].ports[0].hostPort', 'Invalid value: 65536: must be between 1 and 65535, inclusive']]],
  ['004-7', 'hostNetwork with a hostPort other than containerPort', (p) => (p.spec.containers[0].ports[0].hostPort = 9000), [['FieldValueInvalid', 'spec.containers[0].ports[0].hostPort', 'Invalid value: 9000: must match `containerPort` when `hostNetwork` is true']]],
  ['004-7', 'restartPolicy Sometimes', (p) => (p.spec.restartPolicy = 'Sometimes'), [['FieldValueNotSupported', 'spec.restartPolicy', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']]],
  ['004-8', 'nodePort on a ClusterIP Service', (s) => ((s.spec.type = 'ClusterIP'), (s.spec.ports[0].nodePort = 30080)), [['FieldValueForbidden', 'spec.ports[0].nodePort', "Forbidden: may not be used when `type` is 'ClusterIP'"]]],
  ['004-9', 'v1 path without a leading slash', (i) => (i.spec.rules[0].http.paths[0].path = 'web'), [['FieldValueInvalid', 'spec.rules[0].http.paths[0].path', 'Invalid value: "web": must be an absolute path']]],
  ['004-9', 'v1 backend with both port number and name', (i) => (i.spec.rules[0].http.paths[0].backend.service.port.name = 'http'), [['FieldValueInvalid', 'spec.rules[0].http.paths[0].backend', 'Invalid value: "": cannot set both port name & port number']]],
  ['004-9', 'v1 host with a wildcard in the middle', (i) => (i.spec.rules[0].host = 'www.*.me'), [['FieldValueInvalid', 'spec.rules[0].host', "Invalid value: \"www.*.me\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]]],
];

/** The seed as the variant starts from: quoted image for 004-6/7, the v1 form of 004-9. */
function base(seed: string): Manifest {
  // `image: ***` is not YAML (an alias); the article means a redacted image name.
  const m = seed === '004-6' || seed === '004-7' ? (parseYaml(seedText(seed).replace('image: ***', 'image: "***"')) as Manifest) : loadSeed(seed);
  if (seed === '004-9') {
    m.apiVersion = 'networking.k8s.io/v1';
    m.spec.rules[0].http.paths[0] = { path: '/web', pathType: 'Prefix', backend: { service: { name: 'hdls', port: { number: 8000 } } } };
  }
  return m;
}

describe('broken variants of the seed manifests', () => {
  for (const [seed, name, tweak, want] of variants) {
    it(`${seed}, ${name}: 422 with upstream's causes`, async () => {
      const m = base(seed);
      tweak(m);
      const ns = m.metadata.namespace ?? `variant-${++nsCount}`;
      if (!m.metadata.namespace) await c.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const r = await postManifest(c, m, ns);
      assert.equal(r.code, 422, JSON.stringify(r.body));
      assert.equal(r.body.reason, 'Invalid');
      assert.deepEqual(r.body.details.causes.map((x: Manifest) => [x.reason, x.field, x.message]), want);
      const summary = want.map(([, f, msg]) => `${f}: ${msg}`);
      const tail = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
      assert.ok(r.body.message.endsWith(` "${m.metadata.name}" is invalid: ${tail}`), r.body.message);
      const list = await c.raw('GET', collectionPath(m, ns));
      assert.deepEqual(JSON.parse(list.body).items, [], 'nothing is stored');
    });
  }
});

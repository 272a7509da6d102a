/** networking.k8s.io and discovery.k8s.io validation tables: NetworkPolicy, Ingress, IngressClass, EndpointSlice. */
import { type Obj, updateTable, validationTable } from '../../helpers/api-validation.js';

const netpol = (): Obj => ({
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    podSelector: { matchLabels: { 'app-component': 'database' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { 'app-component': 'api' } } }], ports: [{ port: 5432 }] }],
  },
});
const from0 = 'spec.ingress[0].from[0]';

validationTable('NetworkPolicy', true, netpol, [
  ['ipBlock except outside the cidr', (o) => (o.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }]), [`${from0}.ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of \`cidr\``]],
  ['ipBlock except equal to the cidr', (o) => (o.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.0/16'] } }]), [`${from0}.ipBlock.except[0]: Invalid value: "10.0.0.0/16": must be a strict subset of \`cidr\``]],
  ['ipBlock except inside the cidr', (o) => (o.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.5.0/24'] } }]), []],
  ['ipBlock cidr not a CIDR', (o) => (o.spec.ingress[0].from = [{ ipBlock: { cidr: '10.0.0.0' } }]), [`${from0}.ipBlock.cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`]],
  ['ipBlock without cidr', (o) => (o.spec.ingress[0].from = [{ ipBlock: {} }]), [`${from0}.ipBlock.cidr: Required value`]],
  ['ipBlock with a podSelector', (o) => (o.spec.ingress[0].from[0].ipBlock = { cidr: '10.0.0.0/8' }), [`${from0}: Forbidden: may not specify both ipBlock and another peer`]],
  ['empty peer', (o) => (o.spec.ingress[0].from = [{}]), [`${from0}: Required value: must specify a peer`]],
  ['port 0', (o) => (o.spec.ingress[0].ports[0].port = 0), ['spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
  ['endPort below port', (o) => (o.spec.ingress[0].ports[0].endPort = 5000), ['spec.ingress[0].ports[0].endPort: Invalid value: 5000: must be greater than or equal to `port`']],
  ['endPort with a named port', (o) => (o.spec.ingress[0].ports[0] = { port: 'pg', endPort: 6000 }), ['spec.ingress[0].ports[0].endPort: Invalid value: 6000: may not be specified when `port` is non-numeric']],
  ['unknown protocol', (o) => (o.spec.ingress[0].ports[0].protocol = 'ICMP'), ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']],
  ['unknown policy type', (o) => (o.spec.policyTypes = ['Ingress', 'Sideways']), ['spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']],
  ['three policy types', (o) => (o.spec.policyTypes = ['Ingress', 'Egress', 'Ingress']), ['spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes']],
  ['bad podSelector operator', (o) => (o.spec.podSelector = { matchExpressions: [{ key: 'a', operator: 'Maybe' }] }), ['spec.podSelector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator']],
  ['egress peer namespaceSelector value invalid', (o) => (o.spec.egress = [{ to: [{ namespaceSelector: { matchLabels: { team: '-x' } } }] }]), ["spec.egress[0].to[0].namespaceSelector.matchLabels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]],
  ['an empty podSelector selects every pod', (o) => (o.spec.podSelector = {}), []],
]);

const ingress = (): Obj => ({
  metadata: { name: 'hdls-ingress', namespace: 'default' },
  spec: { rules: [{ host: 'hdls.me', http: { paths: [{ path: '/web', pathType: 'Prefix', backend: { service: { name: 'hdls', port: { number: 8000 } } } }] } }] },
});
const p0 = 'spec.rules[0].http.paths[0]';
const WILDCARD = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

validationTable('Ingress', true, ingress, [
  ['pathType missing (not defaulted in v1)', (o) => delete o.spec.rules[0].http.paths[0].pathType, [`${p0}.pathType: Required value: pathType must be specified`]],
  ['Prefix path not absolute', (o) => (o.spec.rules[0].http.paths[0].path = 'web'), [`${p0}.path: Invalid value: "web": must be an absolute path`]],
  ['Exact path with //', (o) => ((o.spec.rules[0].http.paths[0].pathType = 'Exact'), (o.spec.rules[0].http.paths[0].path = '/a//b')), [`${p0}.path: Invalid value: "/a//b": must not contain '//'`]],
  ['path ending in /..', (o) => (o.spec.rules[0].http.paths[0].path = '/web/..'), [`${p0}.path: Invalid value: "/web/..": cannot end with '/..'`]],
  ['unknown pathType', (o) => (o.spec.rules[0].http.paths[0].pathType = 'Regex'), [`${p0}.pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`]],
  ['ImplementationSpecific without a path', (o) => ((o.spec.rules[0].http.paths[0].pathType = 'ImplementationSpecific'), delete o.spec.rules[0].http.paths[0].path), []],
  ['backend with port name and number', (o) => (o.spec.rules[0].http.paths[0].backend.service.port.name = 'http'), [`${p0}.backend: Invalid value: "": cannot set both port name & port number`]],
  ['backend without a port', (o) => (o.spec.rules[0].http.paths[0].backend.service.port = {}), [`${p0}.backend: Required value: port name or number is required`]],
  ['backend service name not a DNS-1035 label', (o) => (o.spec.rules[0].http.paths[0].backend.service.name = '1hdls'), [`${p0}.backend.service.name: Invalid value: "1hdls": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`]],
  ['backend without service or resource', (o) => (o.spec.rules[0].http.paths[0].backend = {}), [`${p0}.backend: Invalid value: "": resource or service backend is required`]],
  ['backend port number 0 is no port', (o) => (o.spec.rules[0].http.paths[0].backend.service.port = { number: 0 }), [`${p0}.backend: Required value: port name or number is required`]],
  ['backend port 70000', (o) => (o.spec.rules[0].http.paths[0].backend.service.port = { number: 70000 }), [`${p0}.backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive`]],
  ['wildcard host', (o) => (o.spec.rules[0].host = '*.hdls.me'), []],
  ['wildcard in the middle', (o) => (o.spec.rules[0].host = 'a.*.me'), [`spec.rules[0].host: Invalid value: "a.*.me": ${WILDCARD}`]],
  ['IP host', (o) => (o.spec.rules[0].host = '10.0.0.1'), ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
  ['http without paths', (o) => (o.spec.rules[0].http.paths = []), ['spec.rules[0].http.paths: Required value']],
  ['no rules and no default backend', (o) => (o.spec = {}), ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']],
  ['default backend only', (o) => (o.spec = { defaultBackend: { service: { name: 'hdls', port: { name: 'http' } } } }), []],
  ['TLS host invalid', (o) => (o.spec.tls = [{ hosts: ['HDLS.me'], secretName: 'tls' }]), ["spec.tls[0].hosts[0]: Invalid value: \"HDLS.me\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]],
  ['class annotation disagreeing with ingressClassName', (o) => ((o.metadata.annotations = { 'kubernetes.io/ingress.class': 'nginx' }), (o.spec.ingressClassName = 'podnet')), ['annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified']],
]);

const ingressClass = (): Obj => ({ metadata: { name: 'podnet' }, spec: { controller: 'podnet.dev/ingress' } });
validationTable('IngressClass', false, ingressClass, [
  ['controller missing', (o) => (o.spec = {}), ['spec.controller: Required value']],
  ['controller without a domain', (o) => (o.spec.controller = 'ingress'), ['spec.controller: Invalid value: "ingress": must be a domain-prefixed path (such as "acme.io/foo")']],
  ['controller too long', (o) => (o.spec.controller = `podnet.dev/${'x'.repeat(250)}`), ['spec.controller: Too long: may not be more than 250 bytes']],
  ['parameters without scope default to Cluster', (o) => (o.spec.parameters = { kind: 'Config', name: 'c' }), []],
  ['Namespace-scoped parameters need a namespace', (o) => (o.spec.parameters = { kind: 'Config', name: 'c', scope: 'Namespace' }), ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]],
]);
updateTable('IngressClass', false, ingressClass, [
  ['controller is immutable', (o) => (o.spec.controller = 'example.com/other'), ['spec.controller: Invalid value: "example.com/other": field is immutable']],
]);

const slice = (): Obj => ({
  metadata: { name: 'web-abc', namespace: 'default' },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.244.0.5'], hostname: 'web-0' }],
  ports: [{ name: 'http', port: 80 }],
});
validationTable('EndpointSlice', true, slice, [
  ['1001 endpoints', (o) => (o.endpoints = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.244.${i >> 8}.${i & 255 || 1}`] }))), ['endpoints: Too many: 1001: must have at most 1000 items']],
  ['101 addresses in an endpoint', (o) => (o.endpoints[0].addresses = Array.from({ length: 101 }, (_, i) => `10.244.1.${i + 1}`)), ['endpoints[0].addresses: Too many: 101: must have at most 100 items']],
  ['an IPv6 address in an IPv4 slice', (o) => (o.endpoints[0].addresses = ['fd00::5']), ['endpoints[0].addresses[0]: Invalid value: "fd00::5": must be a valid IPv4 address']],
  ['FQDN with one label', (o) => ((o.addressType = 'FQDN'), (o.endpoints[0].addresses = ['db'])), ['endpoints[0].addresses[0]: Invalid value: "db": should be a domain with at least two segments separated by dots']],
  ['duplicate port names', (o) => o.ports.push({ name: 'http', port: 81 }), ['ports[1].name: Duplicate value: "http"']],
  ['unknown protocol', (o) => (o.ports[0].protocol = 'ICMP'), ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
]);
updateTable('EndpointSlice', true, slice, [
  ['addressType is immutable', (o) => ((o.addressType = 'IPv6'), (o.endpoints[0].addresses = ['fd00::5'])), ['addressType: Invalid value: "IPv6": field is immutable']],
]);

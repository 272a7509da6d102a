/** Service validation tables: types, ports, affinity, IP fields, external traffic, updates. */
import { type Case, type Obj, type UpdateCase, updateTable, validationTable } from '../../helpers/api-validation.js';

const svc = (): Obj => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const cases: Case[] = [
  ['port 70000', (o) => (o.spec.ports[0].port = 70000), ['spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive']],
  ['port name not a DNS-1123 label', (o) => (o.spec.ports[0].name = 'HTTP'), ["spec.ports[0].name: Invalid value: \"HTTP\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]],
  ['second port without a name', (o) => o.spec.ports.push({ port: 443 }), ['spec.ports[1].name: Required value']],
  [
    'the same port and protocol twice',
    (o) => o.spec.ports.push({ name: 'alt', port: 80 }),
    ['spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}'],
  ],
  ['the same port over TCP and UDP is fine', (o) => o.spec.ports.push({ name: 'dns', port: 80, protocol: 'UDP' }), []],
  ['bad protocol', (o) => (o.spec.ports[0].protocol = 'HTTP'), ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
  ['named targetPort with an underscore', (o) => (o.spec.ports[0].targetPort = 'web_http'), ['spec.ports[0].targetPort: Invalid value: "web_http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
  ['nodePort on a ClusterIP Service', (o) => (o.spec.ports[0].nodePort = 30080), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
  ['duplicate nodePorts', (o) => ((o.spec.type = 'NodePort'), (o.spec.ports = [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }])), ['spec.ports[1].nodePort: Duplicate value: 30080']],
  ['ExternalName needs externalName', (o) => ((o.spec = { type: 'ExternalName' })), ['spec.externalName: Required value']],
  ['ExternalName must be a DNS subdomain', (o) => (o.spec = { type: 'ExternalName', externalName: 'db_host.example.com' }), [`spec.externalName: Invalid value: "db_host.example.com": ${SUBDOMAIN}`]],
  ['ExternalName may end with a dot', (o) => (o.spec = { type: 'ExternalName', externalName: 'db.example.com.' }), []],
  ['ExternalName with a clusterIP', (o) => (o.spec = { type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.96.0.9' }), ['spec.clusterIPs: Forbidden: may not be set for ExternalName services']],
  ['headless needs no ports', (o) => ((o.spec.clusterIP = 'None'), (o.spec.ports = [])), []],
  ['headless NodePort', (o) => ((o.spec.clusterIP = 'None'), (o.spec.type = 'NodePort')), ["spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"]],
  ['bad clusterIP', (o) => (o.spec.clusterIP = '10.96.0.300'), ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['clusterIPs disagreeing with clusterIP', (o) => ((o.spec.clusterIP = '10.96.0.5'), (o.spec.clusterIPs = ['10.96.0.6'])), ['spec.clusterIPs: Invalid value: ["10.96.0.6"]: first value must match `clusterIP`']],
  ['two IPv4 clusterIPs', (o) => ((o.spec.clusterIP = '10.96.0.5'), (o.spec.clusterIPs = ['10.96.0.5', '10.96.0.6'])), ['spec.clusterIPs: Invalid value: ["10.96.0.5","10.96.0.6"]: may specify no more than one IP for each IP family']],
  ['unknown IP family', (o) => (o.spec.ipFamilies = ['IPv5']), ['spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"']],
  ['duplicate IP family', (o) => (o.spec.ipFamilies = ['IPv4', 'IPv4']), ['spec.ipFamilies[1]: Duplicate value: "IPv4"']],
  ['unknown ipFamilyPolicy', (o) => (o.spec.ipFamilyPolicy = 'DualStack'), ['spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"']],
  ['bad type', (o) => (o.spec.type = 'Magic'), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
  ['sessionAffinity "ClusterIP" (seed 004\'s wording)', (o) => (o.spec.sessionAffinity = 'ClusterIP'), ['spec.sessionAffinity: Unsupported value: "ClusterIP": supported values: "ClientIP", "None"']],
  ['ClientIP affinity timeout above a day', (o) => ((o.spec.sessionAffinity = 'ClientIP'), (o.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86401 } })), ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400']],
  ['ClientIP affinity timeout of a day is allowed', (o) => ((o.spec.sessionAffinity = 'ClientIP'), (o.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86400 } })), []],
  ['affinity config with None', (o) => (o.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } }), ['spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None']],
  ['externalTrafficPolicy on ClusterIP', (o) => (o.spec.externalTrafficPolicy = 'Local'), ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']],
  ['externalTrafficPolicy Local on NodePort', (o) => ((o.spec.type = 'NodePort'), (o.spec.externalTrafficPolicy = 'Local')), []],
  ['externalTrafficPolicy unknown', (o) => ((o.spec.type = 'LoadBalancer'), (o.spec.externalTrafficPolicy = 'Node')), ['spec.externalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"']],
  ['internalTrafficPolicy unknown', (o) => (o.spec.internalTrafficPolicy = 'Node'), ['spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"']],
  ['loadBalancerSourceRanges on ClusterIP', (o) => (o.spec.loadBalancerSourceRanges = ['10.0.0.0/8']), ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"]],
  ['loadBalancerSourceRanges not CIDRs', (o) => ((o.spec.type = 'LoadBalancer'), (o.spec.loadBalancerSourceRanges = ['10.0.0.0/33'])), ['spec.LoadBalancerSourceRanges: Invalid value: "[10.0.0.0/33]": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ']],
  ['LoadBalancer on the kubelet port', (o) => ((o.spec.type = 'LoadBalancer'), (o.spec.ports[0].port = 10250)), ['spec.ports[0]: Invalid value: 10250: may not expose port 10250 externally since it is used by kubelet']],
  ['allocateLoadBalancerNodePorts on a NodePort Service', (o) => ((o.spec.type = 'NodePort'), (o.spec.allocateLoadBalancerNodePorts = false)), ["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"]],
  ['externalIPs not IPs', (o) => (o.spec.externalIPs = ['outside']), ['spec.externalIPs[0]: Invalid value: "outside": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['selector value invalid', (o) => (o.spec.selector = { app: 'web server' }), [`spec.selector: Invalid value: "web server": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`]],
  ['appProtocol not a qualified name', (o) => (o.spec.ports[0].appProtocol = 'http/2/x'), [`spec.ports[0].appProtocol: Invalid value: "http/2/x": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]],
];

validationTable('Service', true, svc, cases);

const allocated = (o: Obj): void => {
  o.spec.clusterIP = '10.96.0.5';
  o.spec.clusterIPs = ['10.96.0.5'];
  o.spec.ipFamilies = ['IPv4'];
  o.spec.ipFamilyPolicy = 'SingleStack';
};

const updates: UpdateCase[] = [
  ['a PUT without clusterIP keeps the allocated one', (o) => (delete o.spec.clusterIP, delete o.spec.clusterIPs), [], allocated],
  [
    'changing clusterIP',
    (o) => (o.spec.clusterIP = '10.96.0.6'),
    ['spec.clusterIPs[0]: Invalid value: ["10.96.0.6"]: may not change once set', 'spec.clusterIP: Invalid value: "10.96.0.6": field is immutable'],
    allocated,
  ],
  ['making a ClusterIP Service headless', (o) => ((o.spec.clusterIP = 'None'), (o.spec.clusterIPs = ['None'])), ['spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set', 'spec.clusterIP: Invalid value: "None": field is immutable'], allocated],
  ['to ExternalName drops the IP fields left as they were', (o) => ((o.spec.type = 'ExternalName'), (o.spec.externalName = 'db.example.com')), [], allocated],
  ['NodePort to ClusterIP drops the nodePort and externalTrafficPolicy left as they were', (o) => (o.spec.type = 'ClusterIP'), [], (o) => (allocated(o), (o.spec.type = 'NodePort'), (o.spec.ports[0].nodePort = 30080))],
  ['LoadBalancer to NodePort drops allocateLoadBalancerNodePorts', (o) => (o.spec.type = 'NodePort'), [], (o) => (allocated(o), (o.spec.type = 'LoadBalancer'))],
  ['a load balancer IP in status (ipMode defaults to VIP)', (o) => (o.status = { loadBalancer: { ingress: [{ ip: '172.18.0.240' }] } }), [], allocated],
  ['a load balancer status IP that is not an IP', (o) => (o.status = { loadBalancer: { ingress: [{ ip: '172.18.0' }] } }), ['status.loadBalancer.ingress[0].ip: Invalid value: "172.18.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'], allocated],
  ['a load balancer hostname that is an IP', (o) => (o.status = { loadBalancer: { ingress: [{ hostname: '172.18.0.240' }] } }), ['status.loadBalancer.ingress[0].hostname: Invalid value: "172.18.0.240": must be a DNS name, not an IP address'], allocated],
  ['ipMode without ip', (o) => (o.status = { loadBalancer: { ingress: [{ hostname: 'lb.example.com', ipMode: 'Proxy' }] } }), ['status.loadBalancer.ingress[0].ipMode: Forbidden: may not be specified when `ip` is not set'], allocated],
  ['NodePort to ClusterIP with a changed nodePort is refused', (o) => ((o.spec.type = 'ClusterIP'), (o.spec.ports[0].nodePort = 30081)), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"], (o) => (allocated(o), (o.spec.type = 'NodePort'), (o.spec.ports[0].nodePort = 30080))],
];

updateTable('Service', true, svc, updates);

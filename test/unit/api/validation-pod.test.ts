/** Pod validation tables: containers, ports, env, volumes and mounts, probes, resources, policies. */
import { type Case, type Obj, validationTable } from '../../helpers/api-validation.js';

const pod = (): Obj => ({
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 80 }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', emptyDir: {} }],
  },
});

const LABEL_RE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const c0 = 'spec.containers[0]';

const cases: Case[] = [
  ['container name not a DNS-1123 label', (o) => (o.spec.containers[0].name = 'App_1'), [`${c0}.name: Invalid value: "App_1": ${LABEL_RE}`]],
  ['image with surrounding whitespace', (o) => (o.spec.containers[0].image = ' nginx'), [`${c0}.image: Invalid value: " nginx": must not have leading or trailing whitespace`]],
  ['init container name collides with a container', (o) => (o.spec.initContainers = [{ name: 'app', image: 'busybox' }]), ['spec.initContainers[0].name: Duplicate value: "app"']],
  ['port name too long', (o) => (o.spec.containers[0].ports[0].name = 'a-very-long-port-name'), [`${c0}.ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters`]],
  ['port name without letters', (o) => (o.spec.containers[0].ports[0].name = '8080'), [`${c0}.ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)`]],
  ['port name with consecutive hyphens', (o) => (o.spec.containers[0].ports[0].name = 'web--port'), [`${c0}.ports[0].name: Invalid value: "web--port": must not contain consecutive hyphens`]],
  ['duplicate port names', (o) => o.spec.containers[0].ports.push({ name: 'http', containerPort: 81 }), [`${c0}.ports[1].name: Duplicate value: "http"`]],
  ['containerPort missing', (o) => delete o.spec.containers[0].ports[0].containerPort, [`${c0}.ports[0].containerPort: Required value`]],
  ['hostPort out of range', (o) => (o.spec.containers[0].ports[0].hostPort = 65536), [`${c0}.ports[0].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive`]],
  [
    'the same hostPort twice',
    (o) => o.spec.containers.push({ name: 'side', image: 'busybox', ports: [{ containerPort: 81, hostPort: 8080 }] }) && (o.spec.containers[0].ports[0].hostPort = 8080),
    ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
  ],
  ['hostNetwork with a different hostPort', (o) => ((o.spec.hostNetwork = true), (o.spec.containers[0].ports[0].hostPort = 8080)), [`${c0}.ports[0].hostPort: Invalid value: 8080: must match \`containerPort\` when \`hostNetwork\` is true`]],
  ['hostNetwork defaults hostPort to containerPort', (o) => (o.spec.hostNetwork = true), []],
  ['env name empty', (o) => (o.spec.containers[0].env = [{ name: '', value: 'x' }]), [`${c0}.env[0].name: Required value`]],
  ['env name with =', (o) => (o.spec.containers[0].env = [{ name: 'A=B', value: 'x' }]), [`${c0}.env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`]],
  ['env value and valueFrom', (o) => (o.spec.containers[0].env = [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]), [`${c0}.env[0].valueFrom: Invalid value: "": may not be specified when \`value\` is not empty`]],
  [
    'env fieldRef to an unknown field',
    (o) => (o.spec.containers[0].env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } }]),
    [`${c0}.env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.foo": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"`],
  ],
  ['env configMapKeyRef without key', (o) => (o.spec.containers[0].env = [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm' } } }]), [`${c0}.env[0].valueFrom.configMapKeyRef.key: Required value`]],
  ['mount of a volume that does not exist', (o) => (o.spec.containers[0].volumeMounts[0].name = 'cache'), [`${c0}.volumeMounts[0].name: Not found: "cache"`]],
  ['two mounts at one path', (o) => o.spec.containers[0].volumeMounts.push({ name: 'data', mountPath: '/data' }), [`${c0}.volumeMounts[1].mountPath: Invalid value: "/data": must be unique`]],
  ['mount without mountPath', (o) => delete o.spec.containers[0].volumeMounts[0].mountPath, [`${c0}.volumeMounts[0].mountPath: Required value`]],
  ['absolute subPath', (o) => (o.spec.containers[0].volumeMounts[0].subPath = '/etc'), [`${c0}.volumeMounts.subPath: Invalid value: "/etc": must be a relative path`]],
  ['duplicate volume names', (o) => o.spec.volumes.push({ name: 'data', emptyDir: {} }), ['spec.volumes[1].name: Duplicate value: "data"']],
  // An invalid volume is not mountable, so its mounts are also reported (as upstream does).
  ['volume with two sources', (o) => (o.spec.volumes[0].hostPath = { path: '/tmp' }), ['spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type', `${c0}.volumeMounts[0].name: Not found: "data"`]],
  ['hostPath without path', (o) => (o.spec.volumes[0] = { name: 'data', hostPath: {} }), ['spec.volumes[0].hostPath.path: Required value', `${c0}.volumeMounts[0].name: Not found: "data"`]],
  ['configMap volume without name', (o) => (o.spec.volumes[0] = { name: 'data', configMap: {} }), ['spec.volumes[0].configMap.name: Required value', `${c0}.volumeMounts[0].name: Not found: "data"`]],
  ['secret volume mode out of range', (o) => (o.spec.volumes[0] = { name: 'data', secret: { secretName: 's', defaultMode: 1000 } }), ['spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive', `${c0}.volumeMounts[0].name: Not found: "data"`]],
  ['a volume without a source is an emptyDir', (o) => (o.spec.volumes[0] = { name: 'data' }), []],
  ['volume name not a label', (o) => ((o.spec.volumes[0].name = 'Data'), (o.spec.containers[0].volumeMounts = [])), [`spec.volumes[0].name: Invalid value: "Data": ${LABEL_RE}`]],
  ['probe without a handler', (o) => (o.spec.containers[0].readinessProbe = { periodSeconds: 5 }), [`${c0}.readinessProbe: Required value: must specify a handler type`]],
  ['probe with two handlers', (o) => (o.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } }), [`${c0}.livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type`]],
  ['liveness successThreshold must be 1', (o) => (o.spec.containers[0].livenessProbe = { httpGet: { port: 80 }, successThreshold: 2 }), [`${c0}.livenessProbe.successThreshold: Invalid value: 2: must be 1`]],
  ['negative probe period', (o) => (o.spec.containers[0].readinessProbe = { tcpSocket: { port: 'http' }, periodSeconds: -1 }), [`${c0}.readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0`]],
  ['httpGet port name invalid', (o) => (o.spec.containers[0].readinessProbe = { httpGet: { port: 'web_port' } }), [`${c0}.readinessProbe.httpGet.port: Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`]],
  ['exec probe without command', (o) => (o.spec.containers[0].startupProbe = { exec: {} }), [`${c0}.startupProbe.exec.command: Required value`]],
  ['requests above limits', (o) => (o.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '500m' } }), [`${c0}.resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 500m`]],
  ['unknown resource name', (o) => (o.spec.containers[0].resources = { limits: { gpu: '1' } }), [`${c0}.resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers`, `${c0}.resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers`]],
  ['negative memory', (o) => (o.spec.containers[0].resources = { requests: { memory: '-1Mi' } }), [`${c0}.resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0`]],
  ['bad imagePullPolicy', (o) => (o.spec.containers[0].imagePullPolicy = 'Sometimes'), [`${c0}.imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`]],
  ['bad terminationMessagePolicy', (o) => (o.spec.containers[0].terminationMessagePolicy = 'Log'), [`${c0}.terminationMessagePolicy: Unsupported value: "Log": supported values: "File", "FallbackToLogsOnError"`]],
  ['bad dnsPolicy', (o) => (o.spec.dnsPolicy = 'Google'), ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
  ['dnsPolicy None without dnsConfig', (o) => (o.spec.dnsPolicy = 'None'), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
  ['dnsConfig nameserver not an IP', (o) => ((o.spec.dnsPolicy = 'None'), (o.spec.dnsConfig = { nameservers: ['dns.local'] })), ['spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['activeDeadlineSeconds 0', (o) => (o.spec.activeDeadlineSeconds = 0), ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
  ['hostname not a label', (o) => (o.spec.hostname = 'web.1'), [`spec.hostname: Invalid value: "web.1": ${LABEL_RE}`]],
  ['bad nodeSelector value', (o) => (o.spec.nodeSelector = { zone: 'a b' }), [`spec.nodeSelector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`]],
  ['toleration without key needs Exists', (o) => (o.spec.tolerations = [{ operator: 'Equal', value: 'x' }]), ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"']],
  ['toleration seconds need NoExecute', (o) => (o.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]), ['spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set']],
  ['toleration Exists with a value', (o) => (o.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]), ['spec.tolerations[0].operator: Invalid value: {"Key":"k","Operator":"Exists","Value":"v","Effect":"","TolerationSeconds":null}: value must be empty when `operator` is \'Exists\'']],
  ['toleration bad effect', (o) => (o.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'Evict' }]), ['spec.tolerations[0].effect: Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
  ['serviceAccountName not a subdomain', (o) => (o.spec.serviceAccountName = 'My_SA'), [`spec.serviceAccountName: Invalid value: "My_SA": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`]],
  ['no namespace', (o) => delete o.metadata.namespace, ['metadata.namespace: Required value']],
  ['annotations over 256KiB', (o) => (o.metadata.annotations = { big: 'x'.repeat(256 * 1024) }), ['metadata.annotations: Too long: may not be more than 262144 bytes']],
];

validationTable('Pod', true, pod, cases);

/**
 * Protobuf field numbers of the Kubernetes messages kubectl >= 1.32 sends as protobuf (the
 * `kubectl create <generator>` family), read from upstream's generated.proto files (k8s.io/api
 * core/v1, apps/v1, networking/v1; apimachinery meta/v1, util/intstr). Only what those generators fill is
 * listed; the decoder refuses any other field rather than drop it.
 */

/** string | int (varint, signed) | bool | bytes (base64 in JSON) | intstr | quantity | a message name. */
export type FieldType = 'string' | 'int' | 'bool' | 'bytes' | 'intstr' | 'quantity' | 'time' | 'ignore' | string;

export interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** map<string, type> (encoded as repeated entries {1: key, 2: value}). */
  map?: boolean;
  /** A Go pointer field: present means set, even to a zero value (other zero scalars mean unset). */
  pointer?: boolean;
  /** An embedded struct whose fields JSON puts in the parent (`json:",inline"`). */
  inline?: boolean;
}

type Fields = Record<number, FieldSpec>;
const f = (name: string, type: FieldType, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, ...extra });

export const MESSAGES: Record<string, Fields> = {
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: f('deletionGracePeriodSeconds', 'int', { pointer: true }),
    11: f('labels', 'string', { map: true }),
    12: f('annotations', 'string', { map: true }),
    13: f('ownerReferences', 'OwnerReference', { repeated: true }),
    14: f('finalizers', 'string', { repeated: true }),
    17: f('managedFields', 'ignore', { repeated: true }),
  },
  OwnerReference: {
    1: f('kind', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('controller', 'bool', { pointer: true }),
    7: f('blockOwnerDeletion', 'bool', { pointer: true }),
  },
  LabelSelector: { 1: f('matchLabels', 'string', { map: true }), 2: f('matchExpressions', 'LabelSelectorRequirement', { repeated: true }) },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', { repeated: true }) },
  Namespace: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'NamespaceSpec'), 3: f('status', 'ignore') },
  NamespaceSpec: { 1: f('finalizers', 'string', { repeated: true }) },
  ConfigMap: {
    1: f('metadata', 'ObjectMeta'),
    2: f('data', 'string', { map: true }),
    3: f('binaryData', 'bytes', { map: true }),
    4: f('immutable', 'bool', { pointer: true }),
  },
  Secret: {
    1: f('metadata', 'ObjectMeta'),
    2: f('data', 'bytes', { map: true }),
    3: f('type', 'string'),
    4: f('stringData', 'string', { map: true }),
    5: f('immutable', 'bool', { pointer: true }),
  },
  ServiceAccount: {
    1: f('metadata', 'ObjectMeta'),
    2: f('secrets', 'ObjectReference', { repeated: true }),
    3: f('imagePullSecrets', 'LocalObjectReference', { repeated: true }),
    4: f('automountServiceAccountToken', 'bool', { pointer: true }),
  },
  ObjectReference: {
    1: f('kind', 'string'),
    2: f('namespace', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('fieldPath', 'string'),
  },
  LocalObjectReference: { 1: f('name', 'string') },
  Service: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'ServiceSpec'), 3: f('status', 'ignore') },
  ServiceSpec: {
    1: f('ports', 'ServicePort', { repeated: true }),
    2: f('selector', 'string', { map: true }),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: f('externalIPs', 'string', { repeated: true }),
    7: f('sessionAffinity', 'string'),
    8: f('loadBalancerIP', 'string'),
    10: f('externalName', 'string'),
    11: f('externalTrafficPolicy', 'string'),
    17: f('ipFamilyPolicy', 'string', { pointer: true }),
    18: f('clusterIPs', 'string', { repeated: true }),
    19: f('ipFamilies', 'string', { repeated: true }),
    22: f('internalTrafficPolicy', 'string', { pointer: true }),
  },
  ServicePort: {
    1: f('name', 'string'),
    2: f('protocol', 'string'),
    3: f('port', 'int'),
    4: f('targetPort', 'intstr'),
    5: f('nodePort', 'int'),
    6: f('appProtocol', 'string'),
  },
  Deployment: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'DeploymentSpec'), 3: f('status', 'ignore') },
  DeploymentSpec: {
    1: f('replicas', 'int', { pointer: true }),
    2: f('selector', 'LabelSelector'),
    3: f('template', 'PodTemplateSpec'),
    4: f('strategy', 'DeploymentStrategy'),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int', { pointer: true }),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int', { pointer: true }),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intstr', { pointer: true }), 2: f('maxSurge', 'intstr', { pointer: true }) },
  PodTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  PodSpec: {
    2: f('containers', 'Container', { repeated: true }),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int', { pointer: true }),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', 'string', { map: true }),
    8: f('serviceAccountName', 'string'),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    19: f('schedulerName', 'string'),
    20: f('initContainers', 'Container', { repeated: true }),
  },
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: f('command', 'string', { repeated: true }),
    4: f('args', 'string', { repeated: true }),
    5: f('workingDir', 'string'),
    6: f('ports', 'ContainerPort', { repeated: true }),
    7: f('env', 'EnvVar', { repeated: true }),
    8: f('resources', 'ResourceRequirements'),
    13: f('terminationMessagePath', 'string'),
    14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
    20: f('terminationMessagePolicy', 'string'),
  },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int'), 3: f('containerPort', 'int'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string') },
  ResourceRequirements: { 1: f('limits', 'quantity', { map: true }), 2: f('requests', 'quantity', { map: true }) },
  // networking/v1, for `kubectl create ingress`
  Ingress: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'IngressSpec'), 3: f('status', 'ignore') },
  IngressSpec: {
    1: f('defaultBackend', 'IngressBackend'),
    2: f('tls', 'IngressTLS', { repeated: true }),
    3: f('rules', 'IngressRule', { repeated: true }),
    4: f('ingressClassName', 'string', { pointer: true }),
  },
  IngressBackend: { 3: f('resource', 'TypedLocalObjectReference'), 4: f('service', 'IngressServiceBackend') },
  IngressServiceBackend: { 1: f('name', 'string'), 2: f('port', 'ServiceBackendPort') },
  ServiceBackendPort: { 1: f('name', 'string'), 2: f('number', 'int') },
  IngressTLS: { 1: f('hosts', 'string', { repeated: true }), 2: f('secretName', 'string') },
  IngressRule: { 1: f('host', 'string'), 2: f('ingressRuleValue', 'IngressRuleValue', { inline: true }) },
  IngressRuleValue: { 1: f('http', 'HTTPIngressRuleValue') },
  HTTPIngressRuleValue: { 1: f('paths', 'HTTPIngressPath', { repeated: true }) },
  HTTPIngressPath: { 1: f('path', 'string'), 2: f('backend', 'IngressBackend'), 3: f('pathType', 'string', { pointer: true }) },
  TypedLocalObjectReference: { 1: f('apiGroup', 'string', { pointer: true }), 2: f('kind', 'string'), 3: f('name', 'string') },
};

/** Top-level kinds a protobuf body may carry, by apiVersion/kind. */
export const TOP_LEVEL: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'apps/v1/Deployment': 'Deployment',
  'networking.k8s.io/v1/Ingress': 'Ingress',
};

/** Workload validation tables: Deployment, ReplicaSet, DaemonSet, ReplicationController. */
import { type Case, type Obj, type UpdateCase, updateTable, validationTable } from '../../helpers/api-validation.js';

const template = (labels: Record<string, string> = { app: 'web' }): Obj => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const deploy = (): Obj => ({ metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template() } });
const rs = (): Obj => ({ metadata: { name: 'web-1', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template() } });
const ds = (): Obj => ({ metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
const rc = (): Obj => ({ metadata: { name: 'hdls', namespace: 'default' }, spec: { replicas: 1, template: template({ app: 'hdls' }) } });

const MISMATCH = '`selector` does not match template `labels`';
const ru = 'spec.strategy.rollingUpdate';
const PERCENT = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

const deploymentCases: Case[] = [
  ['no selector', (o) => delete o.spec.selector, ['spec.selector: Required value', `spec.template.metadata.labels: Invalid value: {"app":"web"}: ${MISMATCH}`]],
  ['empty selector', (o) => (o.spec.selector = {}), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
  ['selector does not match the template', (o) => (o.spec.template.metadata.labels = { app: 'web', tier: 'fe' }) && (o.spec.selector.matchLabels = { app: 'api' }), [`spec.template.metadata.labels: Invalid value: {"app":"web","tier":"fe"}: ${MISMATCH}`]],
  ['matchExpressions select the template', (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }), []],
  ['In without values', (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] }), ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", `spec.template.metadata.labels: Invalid value: {"app":"web"}: ${MISMATCH}`]],
  ['Exists with values', (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] }), ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
  ['unknown operator', (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Has' }] }), ['spec.selector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator']],
  ['negative replicas', (o) => (o.spec.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
  ['restartPolicy Never in the template', (o) => (o.spec.template.spec.restartPolicy = 'Never'), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
  ['activeDeadlineSeconds in the template', (o) => (o.spec.template.spec.activeDeadlineSeconds = 30), ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported']],
  ['template label key invalid', (o) => ((o.spec.template.metadata.labels = { app: 'web', 'bad key': 'x' })), ["spec.template.metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]],
  ['container image missing', (o) => delete o.spec.template.spec.containers[0].image, ['spec.template.spec.containers[0].image: Required value']],
  ['maxSurge and maxUnavailable both 0', (o) => (o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }), [`${ru}.maxUnavailable: Invalid value: 0: may not be 0 when \`maxSurge\` is 0`]],
  ['0% and 0 are both zero', (o) => (o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } }), [`${ru}.maxUnavailable: Invalid value: 0: may not be 0 when \`maxSurge\` is 0`]],
  ['maxUnavailable above 100%', (o) => (o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '110%' } }), [`${ru}.maxUnavailable: Invalid value: "110%": must not be greater than 100%`]],
  ['maxSurge not a percentage', (o) => (o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '20Percent' } }), [`${ru}.maxSurge: Invalid value: "20Percent": ${PERCENT}`]],
  ['negative maxSurge', (o) => (o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: -1 } }), [`${ru}.maxSurge: Invalid value: -1: must be greater than or equal to 0`]],
  ['Recreate with rollingUpdate', (o) => (o.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
  ['unknown strategy', (o) => (o.spec.strategy = { type: 'BlueGreen' }), ['spec.strategy: Unsupported value: {"Type":"BlueGreen","RollingUpdate":null}: supported values: "Recreate", "RollingUpdate"']],
  ['progressDeadlineSeconds not above minReadySeconds', (o) => ((o.spec.minReadySeconds = 30), (o.spec.progressDeadlineSeconds = 30)), ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds']],
  ['negative revisionHistoryLimit', (o) => (o.spec.revisionHistoryLimit = -1), ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0']],
];

validationTable('Deployment', true, deploy, deploymentCases);
updateTable('Deployment', true, deploy, [
  ['selector is immutable', (o) => ((o.spec.selector.matchLabels = { app: 'web', v: '2' }), (o.spec.template.metadata.labels.v = '2')), ['spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable']],
  ['replicas and image may change', (o) => ((o.spec.replicas = 5), (o.spec.template.spec.containers[0].image = 'nginx:2')), []],
]);

validationTable('ReplicaSet', true, rs, [
  ['empty selector', (o) => (o.spec.selector = { matchLabels: {} }), ['spec.selector: Invalid value: {}: empty selector is invalid for replicaset']],
  ['selector does not match', (o) => (o.spec.selector.matchLabels.app = 'api'), [`spec.template.metadata.labels: Invalid value: {"app":"web"}: ${MISMATCH}`]],
  ['no template', (o) => delete o.spec.template, ['spec.template: Required value']],
]);

validationTable('DaemonSet', true, ds, [
  ['selector does not match', (o) => (o.spec.selector.matchLabels.app = 'api'), [`spec.template.metadata.labels: Invalid value: {"app":"web"}: ${MISMATCH}`]],
  ['no selector', (o) => delete o.spec.selector, [`spec.template.metadata.labels: Invalid value: {"app":"web"}: ${MISMATCH}`]],
  ['both maxSurge and maxUnavailable', (o) => (o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }), ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero']],
  ['neither maxSurge nor maxUnavailable', (o) => (o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']],
  ['maxSurge alone', (o) => (o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10%', maxUnavailable: 0 } }), []],
  ['OnDelete', (o) => (o.spec.updateStrategy = { type: 'OnDelete' }), []],
  ['unknown update strategy', (o) => (o.spec.updateStrategy = { type: 'Rolling' }), ['spec.updateStrategy: Unsupported value: {"Type":"Rolling","RollingUpdate":null}: supported values: "RollingUpdate", "OnDelete"']],
  ['restartPolicy OnFailure', (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'), ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"']],
]);
updateTable('DaemonSet', true, ds, [
  ['selector is immutable', (o) => ((o.spec.selector.matchLabels.app = 'web2'), (o.spec.template.metadata.labels.app = 'web2')), ['spec.selector: Invalid value: {"matchLabels":{"app":"web2"}}: field is immutable']],
]);

const rcCases: Case[] = [
  ['selector defaults to the template labels', () => {}, []],
  ['selector that does not match', (o) => (o.spec.selector = { app: 'other' }), [`spec.template.metadata.labels: Invalid value: {"app":"hdls"}: ${MISMATCH}`]],
  ['no template labels and no selector', (o) => delete o.spec.template.metadata.labels, ['spec.selector: Required value']],
  ['negative replicas', (o) => (o.spec.replicas = -2), ['spec.replicas: Invalid value: -2: must be greater than or equal to 0']],
  ['restartPolicy Never', (o) => (o.spec.template.spec.restartPolicy = 'Never'), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
  ['activeDeadlineSeconds', (o) => (o.spec.template.spec.activeDeadlineSeconds = 5), ['spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in ReplicationController is not Supported']],
];
validationTable('ReplicationController', true, rc, rcCases);
updateTable('ReplicationController', true, rc, [
  ['the selector may change (unlike apps/v1)', (o) => ((o.spec.selector = { app: 'hdls', v: '2' }), (o.spec.template.metadata.labels.v = '2')), []],
] as UpdateCase[]);

/** Defaulting as upstream's SetDefaults_* for every kind that has defaults. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { UnstructuredObject } from '../../../src/api/types.js';
import type { Obj } from '../../helpers/api-validation.js';

const defaulted = (kind: string, o: Obj): Obj => {
  applyDefaults(kind, o as UnstructuredObject);
  return o;
};

describe('defaulting', () => {
  it('Service: affinity, protocol, targetPort, traffic policies, clusterIPs', () => {
    const s = defaulted('Service', { spec: { type: 'NodePort', clusterIP: '10.96.0.7', ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } });
    assert.deepEqual(s.spec, {
      type: 'NodePort',
      clusterIP: '10.96.0.7',
      clusterIPs: ['10.96.0.7'],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      externalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }],
    });
    const lb = defaulted('Service', { spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
    assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
    assert.deepEqual(lb.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    const ext = defaulted('Service', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    assert.equal(ext.spec.internalTrafficPolicy, undefined);
  });

  it('Pod: policies, scheduler, service links, containers, probes, host network ports, requests from limits, volumes', () => {
    const p = defaulted('Pod', {
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'c',
            image: 'nginx:1.27',
            ports: [{ containerPort: 8000 }],
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
            readinessProbe: { httpGet: { port: 8000 } },
            env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          },
        ],
        volumes: [{ name: 'a' }, { name: 'b', configMap: { name: 'cm' } }],
      },
    });
    assert.deepEqual(
      [p.spec.restartPolicy, p.spec.dnsPolicy, p.spec.schedulerName, p.spec.enableServiceLinks, p.spec.terminationGracePeriodSeconds],
      ['Always', 'ClusterFirst', 'default-scheduler', true, 30],
    );
    const c = p.spec.containers[0];
    assert.deepEqual([c.imagePullPolicy, c.terminationMessagePath, c.terminationMessagePolicy], ['IfNotPresent', '/dev/termination-log', 'File']);
    assert.deepEqual(c.ports[0], { containerPort: 8000, protocol: 'TCP', hostPort: 8000 });
    assert.deepEqual(c.resources.requests, { cpu: '500m', memory: '1Gi' });
    assert.deepEqual(c.readinessProbe, { httpGet: { port: 8000, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
    assert.deepEqual(p.spec.volumes, [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'cm', defaultMode: 420 } }]);
  });

  it('imagePullPolicy follows the tag', () => {
    const p = defaulted('Pod', { spec: { containers: ['nginx', 'nginx:latest', 'nginx:1.27', 'reg:5000/nginx', 'reg/nginx@sha256:ab'].map((image, i) => ({ name: `c${i}`, image })) } });
    assert.deepEqual(p.spec.containers.map((c: Obj) => c.imagePullPolicy), ['Always', 'Always', 'IfNotPresent', 'Always', 'IfNotPresent']);
  });

  it('Deployment: replicas, 25%/25% rolling update, history, progress deadline', () => {
    const d = defaulted('Deployment', { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    assert.deepEqual(
      [d.spec.replicas, d.spec.strategy, d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds],
      [1, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, 10, 600],
    );
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    const recreate = defaulted('Deployment', { spec: { strategy: { type: 'Recreate' } } });
    assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
  });

  it('DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, history 10', () => {
    const ds = defaulted('DaemonSet', { spec: {} });
    assert.deepEqual(ds.spec, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
  });

  it('ReplicaSet and ReplicationController: replicas 1; an RC takes selector and labels from its template', () => {
    assert.equal(defaulted('ReplicaSet', { spec: {} }).spec.replicas, 1);
    const rc = defaulted('ReplicationController', { metadata: { name: 'hdls' }, spec: { template: { metadata: { labels: { app: 'hdls' } } } } });
    assert.deepEqual([rc.spec.selector, rc.metadata.labels, rc.spec.replicas], [{ app: 'hdls' }, { app: 'hdls' }, 1]);
    const own = defaulted('ReplicationController', { metadata: { labels: { team: 'a' } }, spec: { selector: { app: 'x' }, template: { metadata: { labels: { app: 'x', v: '1' } } } } });
    assert.deepEqual([own.spec.selector, own.metadata.labels], [{ app: 'x' }, { team: 'a' }]);
  });

  it('NetworkPolicy: policyTypes from the rules, port protocol TCP', () => {
    assert.deepEqual(defaulted('NetworkPolicy', { spec: { podSelector: {} } }).spec.policyTypes, ['Ingress']);
    const np = defaulted('NetworkPolicy', { spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } });
    assert.deepEqual([np.spec.policyTypes, np.spec.egress[0].ports[0].protocol], [['Ingress', 'Egress'], 'TCP']);
    assert.deepEqual(defaulted('NetworkPolicy', { spec: { podSelector: {}, policyTypes: ['Egress'] } }).spec.policyTypes, ['Egress']);
  });

  it('Ingress paths get no pathType in v1', () => {
    const ing = defaulted('Ingress', { spec: { rules: [{ http: { paths: [{ path: '/', backend: {} }] } }] } });
    assert.equal(ing.spec.rules[0].http.paths[0].pathType, undefined);
  });

  it('Secret: type Opaque, stringData merged into data as base64', () => {
    const s = defaulted('Secret', { data: { a: 'eA==' }, stringData: { user: 'admin' } });
    assert.deepEqual(s, { type: 'Opaque', data: { a: 'eA==', user: Buffer.from('admin').toString('base64') } });
  });

  it('Node: podCIDR and podCIDRs in step; Endpoints and EndpointSlice ports TCP', () => {
    assert.deepEqual(defaulted('Node', { spec: { podCIDR: '10.244.1.0/24' } }).spec.podCIDRs, ['10.244.1.0/24']);
    assert.equal(defaulted('Node', { spec: { podCIDRs: ['10.244.2.0/24'] } }).spec.podCIDR, '10.244.2.0/24');
    assert.equal(defaulted('Endpoints', { subsets: [{ ports: [{ port: 1 }] }] }).subsets[0].ports[0].protocol, 'TCP');
    assert.deepEqual(defaulted('EndpointSlice', { ports: [{ port: 1 }] }).ports[0], { port: 1, name: '', protocol: 'TCP' });
  });
});

/**
 * Objects every cluster starts with, as kube-apiserver and kubeadm create them: the `kubernetes`
 * Service (its endpoint is the API relay on the node network) and the cluster DNS (a CoreDNS
 * Deployment behind the `kube-dns` Service at the cluster DNS address).
 */
import type { Client, ResourceRef } from '../client/client.js';
import { isAlreadyExists, isNotFound } from '../client/client.js';
import type { KubeObject, UnstructuredObject } from '../api/types.js';
import type { ClusterConfig } from './config.js';

export const API_RELAY_PORT = 6443;
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.3';

/** Creates `obj` unless an object of that name exists (bootstrap is idempotent across restarts). */
export async function ensureObject(client: Client, ref: ResourceRef, obj: KubeObject): Promise<void> {
  const ns = obj.metadata?.namespace;
  try {
    await client.get(ref, ns, obj.metadata?.name ?? '');
    return;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    await client.create(ref, ns, obj);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

export function kubernetesServiceObjects(cfg: ClusterConfig): [ResourceRef, UnstructuredObject][] {
  const meta = { name: 'kubernetes', namespace: 'default' };
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  const firstServiceIP = cfg.serviceCIDR.replace(/\.0\/\d+$/, '.1');
  return [
    [
      'services',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...meta, labels },
        spec: { type: 'ClusterIP', clusterIP: firstServiceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: API_RELAY_PORT }] },
      },
    ],
    [
      'endpoints',
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { ...meta, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        subsets: [{ addresses: [{ ip: cfg.controlPlane.ip }], ports: [{ name: 'https', port: API_RELAY_PORT, protocol: 'TCP' }] }],
      },
    ],
    [
      'endpointslices',
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { ...meta, labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [cfg.controlPlane.ip], conditions: { ready: true } }],
        ports: [{ name: 'https', port: API_RELAY_PORT, protocol: 'TCP' }],
      },
    ],
  ];
}

export function clusterDnsObjects(cfg: ClusterConfig): [ResourceRef, UnstructuredObject][] {
  const labels = { 'k8s-app': 'kube-dns' };
  const ns = 'kube-system';
  return [
    ['serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: ns } }],
    [
      'deployments',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'coredns', namespace: ns, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: 'coredns',
              dnsPolicy: 'Default',
              containers: [
                {
                  name: 'coredns',
                  image: COREDNS_IMAGE,
                  args: ['-conf', '/etc/coredns/Corefile'],
                  ports: [
                    { name: 'dns', containerPort: 53, protocol: 'UDP' },
                    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                    { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
                  ],
                  readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } },
                  livenessProbe: { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60 },
                },
              ],
            },
          },
        },
      },
    ],
    [
      'services',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'kube-dns',
          namespace: ns,
          labels: { ...labels, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
        },
        spec: {
          clusterIP: cfg.clusterDNS,
          selector: labels,
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
            { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
          ],
        },
      },
    ],
  ];
}

export async function bootstrapCluster(client: Client, cfg: ClusterConfig): Promise<void> {
  for (const [ref, obj] of [...kubernetesServiceObjects(cfg), ...clusterDnsObjects(cfg)]) {
    await ensureObject(client, ref, obj);
  }
}

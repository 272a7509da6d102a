/**
 * Pod defaulting, as upstream's SetDefaults_Pod / _PodSpec / _Container / _Probe / _Volume plus
 * what the default admission chain adds (service account, priority). Applied to pods and pod
 * templates.
 */
import type { Container, PodSpec, Probe, Volume } from '../types.js';

/** `Always` for `:latest` or untagged images (no digest), `IfNotPresent` otherwise. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (probe.httpGet) {
    probe.httpGet.path ??= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  // Requests default to limits for resources that have only a limit.
  const limits = c.resources.limits;
  if (limits && Object.keys(limits).length) c.resources.requests = { ...limits, ...(c.resources.requests ?? {}) };
  for (const p of c.ports ?? []) {
    p.protocol ??= 'TCP';
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) defaultProbe(probe);
}

const VOLUME_SOURCES_WITH_MODE = ['secret', 'configMap', 'downwardAPI', 'projected'] as const;

function defaultVolume(v: Volume): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  // A volume without a source is an emptyDir (SetDefaults_Volume).
  if (sources.length === 0) v.emptyDir = {};
  for (const k of VOLUME_SOURCES_WITH_MODE) {
    const src = v[k] as { defaultMode?: number } | undefined;
    if (src) src.defaultMode ??= 0o644;
  }
  if (v.hostPath) v.hostPath.type ??= '';
}

export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.serviceAccountName ??= 'default';
  spec.priority ??= 0;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

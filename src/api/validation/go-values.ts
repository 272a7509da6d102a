/**
 * Bad values shaped as kube-apiserver (1.31+) prints them: it JSON-encodes the Go value, so maps
 * come out with sorted keys, versioned structs with their json names (omitempty honoured), and
 * internal structs (core.ServicePort, core.Taint, ...) with their Go field names.
 */
import type { LabelSelector } from '../types.js';

/** A Go map[string]string: keys sorted; nil prints as null. */
export function goMap(m: Record<string, string> | undefined): Record<string, string> | null {
  if (!m) return null;
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/** metav1.LabelSelector: matchLabels, matchExpressions, both omitempty. */
export function goLabelSelector(s: LabelSelector | undefined): object | null {
  if (!s) return null;
  const out: Record<string, unknown> = {};
  if (s.matchLabels && Object.keys(s.matchLabels).length) out.matchLabels = goMap(s.matchLabels);
  if (s.matchExpressions?.length) {
    out.matchExpressions = s.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values?.length ? { values: e.values } : {}) }));
  }
  return out;
}

/** The (protocol, port) key upstream reports for duplicate Service ports (an internal core.ServicePort). */
export const goServicePortKey = (protocol: string | undefined, port: number | undefined): object => ({
  Name: '',
  Protocol: protocol ?? '',
  AppProtocol: null,
  Port: port ?? 0,
  TargetPort: 0,
  NodePort: 0,
});

/** An internal core.Taint. */
export const goTaint = (t: { key?: string; value?: string; effect?: string }): object => ({
  Key: t.key ?? '',
  Value: t.value ?? '',
  Effect: t.effect ?? '',
  TimeAdded: null,
});

/** An internal apps.DeploymentStrategy / DaemonSetUpdateStrategy with an unknown type. */
export const goStrategy = (s: { type?: string; rollingUpdate?: object }): object => ({
  Type: s.type ?? '',
  RollingUpdate: s.rollingUpdate ? { MaxUnavailable: null, MaxSurge: null } : null,
});

/** An internal core.Toleration. */
export const goToleration = (t: { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }): object => ({
  Key: t.key ?? '',
  Operator: t.operator ?? '',
  Value: t.value ?? '',
  Effect: t.effect ?? '',
  TolerationSeconds: t.tolerationSeconds ?? null,
});

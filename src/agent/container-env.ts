/**
 * A container's environment as kubelet builds it: service links first, then spec.envFrom and
 * spec.env (each value may use $(VAR) references to earlier ones), field refs from the pod,
 * and HOSTNAME as the runtime sets it.
 */
import type { ConfigMap, Container, Pod, Secret } from '../api/types.js';

/** Reads ConfigMaps and Secrets of the pod's namespace (env sources). */
export interface EnvSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

/** Expands `$(VAR)` from `vars`; `$$` escapes; unknown references stay as written (kubelet's expansion). */
export function expandVars(input: string, vars: ReadonlyMap<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : m;
  });
}

function labelValue(map: Record<string, string> | undefined, path: string, prefix: string): string {
  const key = path.slice(prefix.length + 2, -2);
  return map?.[key] ?? '';
}

/** The value of a downward-API fieldRef; throws naming the field when unsupported. */
export function fieldRefValue(pod: Pod, fieldPath: string): string {
  const m = pod.metadata ?? {};
  const simple: Record<string, string | undefined> = {
    'metadata.name': m.name,
    'metadata.namespace': m.namespace,
    'metadata.uid': m.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'default',
    'status.hostIP': pod.status?.hostIP,
    'status.hostIPs': (pod.status?.hostIPs ?? []).map((x) => x.ip).join(','),
    'status.podIP': pod.status?.podIP,
    'status.podIPs': (pod.status?.podIPs ?? []).map((x) => x.ip).join(','),
  };
  if (fieldPath in simple) return simple[fieldPath] ?? '';
  if (fieldPath.startsWith("metadata.labels['")) return labelValue(m.labels, fieldPath, 'metadata.labels');
  if (fieldPath.startsWith("metadata.annotations['")) return labelValue(m.annotations, fieldPath, 'metadata.annotations');
  throw new Error(`agent: Unsupported value "${fieldPath}" for env[].valueFrom.fieldRef.fieldPath`);
}

function decode(obj: ConfigMap | Secret | undefined, key: string, isSecret: boolean): string | undefined {
  if (!obj) return undefined;
  const v = obj.data?.[key];
  if (isSecret) return v !== undefined ? Buffer.from(v, 'base64').toString('utf8') : (obj as Secret).stringData?.[key];
  return v ?? (obj as ConfigMap).binaryData?.[key];
}

async function envFromSources(pod: Pod, c: Container, src: EnvSources, vars: Map<string, string>): Promise<void> {
  const ns = pod.metadata?.namespace ?? 'default';
  for (const [i, ef] of (c.envFrom ?? []).entries()) {
    const ref = ef.configMapRef ?? ef.secretRef;
    if (!ref) continue;
    const isSecret = !!ef.secretRef;
    const obj = isSecret ? await src.secret(ns, ref.name ?? '') : await src.configMap(ns, ref.name ?? '');
    if (!obj && !ref.optional) throw new Error(`agent: Cannot resolve envFrom[${i}]: ${isSecret ? 'secret' : 'configmap'} "${ref.name}" not found`);
    for (const key of Object.keys(obj?.data ?? {})) vars.set((ef.prefix ?? '') + key, decode(obj, key, isSecret) ?? '');
  }
}

async function valueFrom(pod: Pod, c: Container, i: number, src: EnvSources): Promise<string> {
  const vf = c.env![i].valueFrom!;
  const ns = pod.metadata?.namespace ?? 'default';
  if (vf.fieldRef) return fieldRefValue(pod, vf.fieldRef.fieldPath);
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
  if (ref) {
    const isSecret = !!vf.secretKeyRef;
    const obj = isSecret ? await src.secret(ns, ref.name ?? '') : await src.configMap(ns, ref.name ?? '');
    const v = decode(obj, ref.key, isSecret);
    if (v === undefined && !ref.optional) {
      throw new Error(`agent: Cannot resolve env[${i}].valueFrom: key "${ref.key}" of ${isSecret ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    return v ?? '';
  }
  return ''; // resourceFieldRef: podnet sets no resource limits.
}

/** The full environment of container `c` of `pod`, in the order kubelet assembles it. */
export async function containerEnv(pod: Pod, c: Container, serviceEnv: [string, string][], src: EnvSources): Promise<Map<string, string>> {
  const vars = new Map<string, string>(serviceEnv);
  await envFromSources(pod, c, src, vars);
  for (const [i, e] of (c.env ?? []).entries()) {
    if (e.valueFrom) vars.set(e.name, await valueFrom(pod, c, i, src));
    else vars.set(e.name, expandVars(e.value ?? '', vars));
  }
  vars.set('HOSTNAME', pod.spec?.hostNetwork ? pod.spec.nodeName ?? '' : pod.spec?.hostname || pod.metadata?.name || '');
  return vars;
}

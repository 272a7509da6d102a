/**
 * Pod volumes as kubelet's volume manager sets them up, materialized under
 * `<podDir>/volumes/<name>/` and bind-mounted into each container at its volumeMounts:
 * emptyDir, configMap, secret, downwardAPI, projected (with serviceAccountToken) and hostPath.
 * Plus what kubelet always mounts: the service account (token, namespace) and, for
 * hostNetwork pods, the pod's resolv.conf.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { Container, Pod, Volume } from '../api/types.js';
import type { BindMount } from './container-shim.js';
import { type EnvSources, fieldRefValue } from './container-env.js';
import { SERVICE_ACCOUNT_MOUNT, serviceAccountDir } from './pod-paths.js';

export interface VolumeContext {
  pod: Pod;
  podDir: string;
  sources: EnvSources;
  token?: string;
}

type KeyItems = { key: string; path: string }[] | undefined;

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const path = normalize(join(dir, rel));
    if (!path.startsWith(dir)) throw new Error(`agent: Invalid value "${rel}" for a volume item path: must stay inside the volume`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}

function pick(data: Record<string, string>, items: KeyItems, what: string): Record<string, string> {
  if (!items) return data;
  const out: Record<string, string> = {};
  for (const it of items) {
    if (!(it.key in data)) throw new Error(`agent: Cannot mount ${what}: key "${it.key}" not found`);
    out[it.path] = data[it.key];
  }
  return out;
}

async function configMapFiles(ctx: VolumeContext, name: string, items: KeyItems, optional?: boolean): Promise<Record<string, string>> {
  const cm = await ctx.sources.configMap(ctx.pod.metadata?.namespace ?? 'default', name);
  if (!cm) {
    if (optional) return {};
    throw new Error(`agent: MountVolume.SetUp failed: configmap "${name}" not found`);
  }
  const data = { ...cm.data, ...Object.fromEntries(Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('latin1')])) };
  return pick(data, items, `configmap "${name}"`);
}

async function secretFiles(ctx: VolumeContext, name: string, items: KeyItems, optional?: boolean): Promise<Record<string, string>> {
  const s = await ctx.sources.secret(ctx.pod.metadata?.namespace ?? 'default', name);
  if (!s) {
    if (optional) return {};
    throw new Error(`agent: MountVolume.SetUp failed: secret "${name}" not found`);
  }
  const data = { ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])), ...s.stringData };
  return pick(data, items, `secret "${name}"`);
}

function downwardFiles(pod: Pod, items: { path: string; fieldRef?: { fieldPath: string } }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items ?? []) if (it.fieldRef) out[it.path] = fieldRefValue(pod, it.fieldRef.fieldPath);
  return out;
}

/** The directory holding volume `v` ready to bind, and whether it is mounted read-only. */
async function setUpVolume(ctx: VolumeContext, v: Volume, index: number): Promise<{ dir: string; readOnly: boolean }> {
  const dir = join(ctx.podDir, 'volumes', v.name);
  if (v.emptyDir) {
    await mkdir(dir, { recursive: true });
    return { dir, readOnly: false };
  }
  if (v.hostPath) {
    if (v.hostPath.type === 'DirectoryOrCreate') await mkdir(v.hostPath.path, { recursive: true });
    return { dir: v.hostPath.path, readOnly: false };
  }
  let files: Record<string, string>;
  if (v.configMap) files = await configMapFiles(ctx, v.configMap.name ?? '', v.configMap.items, v.configMap.optional);
  else if (v.secret) files = await secretFiles(ctx, v.secret.secretName ?? '', v.secret.items, v.secret.optional);
  else if (v.downwardAPI) files = downwardFiles(ctx.pod, v.downwardAPI.items);
  else if (v.projected) {
    files = {};
    for (const src of v.projected.sources ?? []) {
      if (src.configMap) Object.assign(files, await configMapFiles(ctx, src.configMap.name ?? '', src.configMap.items, src.configMap.optional));
      if (src.secret) Object.assign(files, await secretFiles(ctx, src.secret.name ?? '', src.secret.items, src.secret.optional));
      if (src.downwardAPI) Object.assign(files, downwardFiles(ctx.pod, src.downwardAPI.items));
      if (src.serviceAccountToken) files[src.serviceAccountToken.path] = ctx.token ?? '';
    }
  } else {
    const kind = Object.keys(v).find((k) => k !== 'name') ?? 'none';
    throw new Error(`agent: Unsupported value "${kind}" for spec.volumes[${index}]: podnet supports emptyDir, configMap, secret, downwardAPI, projected and hostPath`);
  }
  await writeFiles(dir, files);
  return { dir, readOnly: true };
}

/** Sets up the volumes container `c` mounts and returns every bind mount it gets. Throws naming the field. */
export async function containerMounts(ctx: VolumeContext, c: Container): Promise<BindMount[]> {
  const volumes = ctx.pod.spec?.volumes ?? [];
  const mounts: BindMount[] = [];
  for (const [i, vm] of (c.volumeMounts ?? []).entries()) {
    const index = volumes.findIndex((v) => v.name === vm.name);
    if (index < 0) throw new Error(`agent: Not found: "${vm.name}" for containers[${c.name}].volumeMounts[${i}].name: no volume of that name`);
    const { dir, readOnly } = await setUpVolume(ctx, volumes[index], index);
    const source = vm.subPath ? join(dir, vm.subPath) : dir;
    mounts.push({ source, target: vm.mountPath, readOnly: readOnly || !!vm.readOnly });
  }
  const saMounted = mounts.some((m) => m.target.replace(/\/$/, '') === SERVICE_ACCOUNT_MOUNT);
  if (ctx.pod.spec?.automountServiceAccountToken !== false && !saMounted) {
    mounts.push({ source: serviceAccountDir(ctx.podDir), target: SERVICE_ACCOUNT_MOUNT, readOnly: true });
  }
  // A hostNetwork pod shares the node's namespace (and its /etc/netns files): bind its own resolv.conf.
  if (ctx.pod.spec?.hostNetwork) mounts.push({ source: join(ctx.podDir, 'etc', 'resolv.conf'), target: '/etc/resolv.conf', readOnly: true });
  return mounts;
}

/**
 * Pod volumes and volume mounts (ValidateVolumes, ValidateVolumeMounts): unique DNS-1123 names,
 * exactly one source each, and mounts that name an existing volume at a unique path.
 */
import type { Volume, VolumeMount } from '../types.js';
import { type FieldError, duplicate, forbidden, invalidValue, notFound, notSupported, required } from './field-errors.js';
import { isDNS1123Label } from './names.js';

/** Volume source fields in the order upstream's validateVolumeSource visits them. */
const SOURCES = [
  'hostPath', 'emptyDir', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'quobyte', 'cinder', 'cephfs', 'downwardAPI', 'fc', 'azureFile',
  'vsphereVolume', 'azureDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
] as const;

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const FILE_MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

const noBacksteps = (p: string, path: string): FieldError[] =>
  p.split('/').includes('..') ? [invalidValue(path, p, "must not contain '..'")] : [];

type Src = Record<string, unknown>;

function validateItems(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  ((items as { key?: string; path?: string }[] | undefined) ?? []).forEach((kp, i) => {
    if (!kp.key) errs.push(required(`${path}[${i}].key`));
    if (!kp.path) errs.push(required(`${path}[${i}].path`));
    else errs.push(...noBacksteps(kp.path, `${path}[${i}].path`));
  });
  return errs;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  return mode === undefined || (typeof mode === 'number' && mode >= 0 && mode <= 0o777) ? [] : [invalidValue(path, mode, FILE_MODE)];
}

function validateSource(kind: string, src: Src, path: string): FieldError[] {
  switch (kind) {
    case 'hostPath': {
      const errs = src.path ? noBacksteps(String(src.path), `${path}.path`) : [required(`${path}.path`)];
      if (src.type !== undefined && !HOST_PATH_TYPES.includes(String(src.type))) errs.push(notSupported(`${path}.type`, src.type, HOST_PATH_TYPES));
      return errs;
    }
    case 'secret':
      return [...(src.secretName ? [] : [required(`${path}.secretName`)]), ...validateMode(src.defaultMode, `${path}.defaultMode`), ...validateItems(src.items, `${path}.items`)];
    case 'configMap':
      return [...(src.name ? [] : [required(`${path}.name`)]), ...validateMode(src.defaultMode, `${path}.defaultMode`), ...validateItems(src.items, `${path}.items`)];
    case 'persistentVolumeClaim':
      return src.claimName ? [] : [required(`${path}.claimName`)];
    default:
      return [];
  }
}

function validateVolumeSource(v: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  const present = [...SOURCES.slice(0, 6), 'configMap', ...SOURCES.slice(6)].filter((k) => (v as unknown as Src)[k] != null);
  for (const k of present) {
    if (count > 0) errs.push(forbidden(`${path}.${k}`, 'may not specify more than 1 volume type'));
    else errs.push(...validateSource(k, (v as unknown as Record<string, Src>)[k], `${path}.${k}`));
    count++;
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** Validates the volumes; returns the errors and the names of valid volumes (mounts may refer to them). */
export function validateVolumes(volumes: Volume[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  (volumes ?? []).forEach((v, i) => {
    const vp = `${path}[${i}]`;
    const el = validateVolumeSource(v, vp);
    if (!v.name) el.push(required(`${vp}.name`));
    else el.push(...isDNS1123Label(v.name).map((d) => invalidValue(`${vp}.name`, v.name, d)));
    if (names.has(v.name)) el.push(duplicate(`${vp}.name`, v.name));
    if (el.length === 0) names.add(v.name);
    else errs.push(...el);
  });
  return { errs, names };
}

/** A container's volume mounts against the pod's valid volumes. */
export function validateVolumeMounts(mounts: VolumeMount[] | undefined, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const points = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const mp = `${path}[${i}]`;
    if (!m.name) errs.push(required(`${mp}.name`));
    if (!volumes.has(m.name)) errs.push(notFound(`${mp}.name`, m.name ?? ''));
    if (!m.mountPath) errs.push(required(`${mp}.mountPath`));
    if (points.has(m.mountPath)) errs.push(invalidValue(`${mp}.mountPath`, m.mountPath, 'must be unique'));
    points.add(m.mountPath);
    if (m.subPath) {
      // Upstream reports subPath under the list's path, not the item's.
      if (m.subPath.startsWith('/')) errs.push(invalidValue(`${path}.subPath`, m.subPath, 'must be a relative path'));
      errs.push(...noBacksteps(m.subPath, `${path}.subPath`));
    }
  });
  return errs;
}

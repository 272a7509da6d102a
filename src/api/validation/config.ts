/** ConfigMap and Secret validation (ValidateConfigMap, ValidateSecret and their updates). */
import type { ConfigMap, Secret } from '../types.js';
import { type FieldError, forbidden, invalidValue, required, tooLong } from './field-errors.js';
import { canonical, immutable } from './common.js';
import { isConfigMapKey } from './names.js';

/** core.MaxSecretSize, also the limit of a ConfigMap's data. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const byteLength = (v: string): number => Buffer.byteLength(v, 'utf8');
/** Secret data is base64 on the wire; its size is that of the decoded bytes. */
const decodedLength = (v: string): number => Buffer.from(v, 'base64').length;

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    errs.push(...isConfigMapKey(k).map((d) => invalidValue(`data[${k}]`, k, d)));
    if (cm.binaryData && k in cm.binaryData) errs.push(invalidValue(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    size += byteLength(String(v));
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    errs.push(...isConfigMapKey(k).map((d) => invalidValue(`binaryData[${k}]`, k, d)));
    size += decodedLength(String(v));
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

function validateSecretType(s: Secret): FieldError[] {
  const data = s.data ?? {};
  const has = (k: string): boolean => k in data;
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      return s.metadata?.annotations?.['kubernetes.io/service-account.name'] ? [] : [required('metadata.annotations[kubernetes.io/service-account.name]')];
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) return [required(`data[${key}]`)];
      try {
        JSON.parse(Buffer.from(data[key], 'base64').toString('utf8'));
        return [];
      } catch (e) {
        return [invalidValue(`data[${key}]`, '<secret contents redacted>', (e as Error).message)];
      }
    }
    case 'kubernetes.io/basic-auth':
      return has('username') || has('password') ? [] : [required('data[%s][username]'), required('data[%s][password]')];
    case 'kubernetes.io/ssh-auth':
      return data['ssh-privatekey'] ? [] : [required('data[%s][ssh-privatekey]')];
    case 'kubernetes.io/tls':
      return [...(has('tls.crt') ? [] : [required('data[tls.crt]')]), ...(has('tls.key') ? [] : [required('data[tls.key]')])];
    default:
      return [];
  }
}

export function validateSecret(s: Secret): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    errs.push(...isConfigMapKey(k).map((d) => invalidValue(`data[${k}]`, k, d)));
    size += decodedLength(String(v));
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', '', MAX_SECRET_SIZE));
  return [...errs, ...validateSecretType(s)];
}

/** Once `immutable: true`, neither the flag nor the data may change. */
function immutableData(next: { immutable?: boolean }, prev: { immutable?: boolean }, fields: [string, unknown, unknown][]): FieldError[] {
  if (!prev.immutable) return [];
  const errs: FieldError[] = [];
  const detail = 'field is immutable when `immutable` is set';
  if (!next.immutable) errs.push(forbidden('immutable', detail));
  for (const [name, a, b] of fields) if (canonical(a ?? null) !== canonical(b ?? null)) errs.push(forbidden(name, detail));
  return errs;
}

export function validateConfigMapUpdate(next: ConfigMap, prev: ConfigMap): FieldError[] {
  const imm = immutableData(next, prev, [['data', next.data, prev.data], ['binaryData', next.binaryData, prev.binaryData]]);
  return [...imm, ...validateConfigMap(next)];
}

export function validateSecretUpdate(next: Secret, prev: Secret): FieldError[] {
  const type = immutable(next.type ?? prev.type, prev.type, 'type');
  const imm = immutableData(next, prev, [['data', next.data, prev.data]]);
  return [...type, ...imm, ...validateSecret(next)];
}

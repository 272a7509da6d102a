/**
 * The `pod-template-hash` label value: FNV-32a of the pod template (plus the collision count),
 * its decimal digits each mapped into the "safe" alphabet, as upstream's controller.ComputeHash
 * and rand.SafeEncodeString. Upstream hashes Go's printed struct; we hash canonical JSON (keys
 * sorted), so values differ from a real cluster's but have the same shape and stability.
 */
import type { PodTemplateSpec } from '../api/types.js';

/** The alphabet of generated names: no vowels (no words), no 0/1/3 (confusable). */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level, so equal objects compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Drops null, empty objects and empty arrays, which Go's typed structs cannot tell from absent:
 * `kubectl rollout undo` sends `creationTimestamp: null`, and must find the old template equal.
 */
export function semanticValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(semanticValue).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sv = semanticValue(v);
      if (sv !== undefined) out[k] = sv;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value === null ? undefined : value;
}

/** Templates equal once the `pod-template-hash` label is ignored (upstream EqualIgnoreHash). */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels['pod-template-hash'];
    return canonicalJson(semanticValue(c) ?? {});
  };
  return strip(a) === strip(b);
}

export function fnv32a(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of data) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Maps each character to SAFE_ALPHANUMS by its code, as rand.SafeEncodeString. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** ComputeHash(template, collisionCount). */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const bytes = [Buffer.from(canonicalJson(semanticValue(template ?? {}) ?? {}), 'utf8')];
  if (collisionCount !== undefined && collisionCount !== null) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(collisionCount >>> 0);
    bytes.push(c);
  }
  return safeEncodeString(String(fnv32a(Buffer.concat(bytes))));
}

/**
 * The `pod-template-hash` label value: FNV-32a of the pod template (plus the collision count),
 * its decimal digits each mapped into the "safe" alphabet, as upstream's controller.ComputeHash
 * and rand.SafeEncodeString. Upstream hashes Go's printed struct; we hash canonical JSON (keys
 * sorted), so values differ from a real cluster's but have the same shape and stability.
 */
import type { PodTemplateSpec } from '../api/types.js';

/** The alphabet of generated names: no vowels (no words), no 0/1/3 (confusable). */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level, so equal templates hash equal. */
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
  const bytes = [Buffer.from(canonicalJson(template ?? {}), 'utf8')];
  if (collisionCount !== undefined && collisionCount !== null) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(collisionCount >>> 0);
    bytes.push(c);
  }
  return safeEncodeString(String(fnv32a(Buffer.concat(bytes))));
}

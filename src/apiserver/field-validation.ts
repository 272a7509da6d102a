/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`): fields a kind does not
 * have, found by walking the object (a body, or a patch's result) against the generated field
 * schema. Strict answers 400 `strict decoding error: unknown field "spec.foo"`; Warn (the default)
 * adds `Warning: 299` headers, which kubectl prints. Unknown fields are never stored: upstream's
 * typed decoding drops them, so a later patch can still null them out.
 */
import { MODELS, ROOTS } from './field-schema.js';
import { badRequest } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function walkValue(ref: string, value: unknown, path: string, out: string[]): void {
  // out collects unknown paths; walkModel also deletes them from the object.
  const [shape, target] = ref.includes(':') ? (ref.split(':') as [string, string]) : [ref, ''];
  if (shape === 'M') walkModel(target, value, path, out);
  else if (shape === 'L' && MODELS[target] && Array.isArray(value)) value.forEach((v, i) => walkModel(target, v, `${path}[${i}]`, out));
  else if (shape === 'D' && MODELS[target] && isObject(value)) for (const [k, v] of Object.entries(value)) walkModel(target, v, `${path}[${k}]`, out);
}

function walkModel(model: string, value: unknown, path: string, out: string[]): void {
  const fields = MODELS[model];
  if (!fields || !isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue; // strategic merge patch directives
    const p = path ? `${path}.${key}` : key;
    const ref = fields[key];
    if (ref === undefined) {
      out.push(p);
      delete value[key];
    } else walkValue(ref, v, p, out);
  }
}

/** Removes the fields `obj` has that its kind does not, returning their paths (none for kinds without a schema). */
export function pruneUnknownFields(kind: string, obj: unknown): string[] {
  const root = ROOTS[kind];
  const out: string[] = [];
  if (root) walkModel(root, obj, '', out);
  return out;
}

/**
 * Prunes unknown fields and applies the policy: throws for Strict, returns the warnings for Warn. `decoding` names
 * what was decoded for the message prefix, as upstream's (`Pod in version "v1" cannot be handled
 * as a Pod: `); patches have none.
 */
export function checkFields(kind: string, obj: unknown, mode: FieldValidation, decoding?: { version: string }): string[] {
  const unknown = pruneUnknownFields(kind, obj);
  if (mode === 'Ignore') return [];
  if (!unknown.length) return [];
  const msgs = unknown.map((p) => `unknown field "${p}"`);
  const prefix = decoding ? `${kind} in version "${decoding.version}" cannot be handled as a ${kind}: ` : '';
  if (mode === 'Strict') throw badRequest(`${prefix}strict decoding error: ${msgs.join(', ')}`);
  return msgs;
}

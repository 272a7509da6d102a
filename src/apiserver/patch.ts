/**
 * The four patch types of the API: JSON patch (RFC 6902), merge patch (RFC 7396), strategic
 * merge patch, and apply (server-side apply, simplified to a strategic merge of the applied
 * configuration: podnet does not track field managers).
 */
import jsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { StatusError, badRequest, unsupportedMediaType } from './status.js';

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

const TYPES: Record<string, PatchKind> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** The patch kind named by a Content-Type header (parameters ignored); 415 otherwise. */
export function patchKind(contentType: string | undefined): PatchKind {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const kind = TYPES[base];
  if (!kind) throw unsupportedMediaType(base);
  return kind;
}

/** Parses the patch document (JSON, or YAML for apply). */
export function parsePatch(kind: PatchKind, text: string): unknown {
  try {
    return kind === 'apply' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

/** RFC 7396: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Applies a parsed patch of the given kind to a copy of `current`. Throws 400/422-style errors. */
export function applyPatch(kind: PatchKind, current: unknown, patch: unknown): unknown {
  switch (kind) {
    case 'merge':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('merge patch must be a JSON object');
      return mergePatch(current, patch);
    case 'strategic':
    case 'apply':
      return strategicMergePatch(current, patch);
    case 'json': {
      if (!Array.isArray(patch)) throw badRequest('json patch must be an array of operations');
      try {
        return jsonPatch.applyPatch(structuredClone(current), patch as jsonPatch.Operation[], true, false).newDocument;
      } catch (e) {
        // Upstream answers a failed JSON patch (a failed `test`, a missing path) with 422.
        throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
}

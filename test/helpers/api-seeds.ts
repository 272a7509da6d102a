/** The seed articles' manifests (test/fixtures/seeds) and a way to POST them as kubectl would. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resourceByKind, resourcePath } from '../../src/api/resources.js';
import type { Client } from '../../src/client/client.js';

export const SEEDS = fileURLToPath(new URL('../../../test/fixtures/seeds/', import.meta.url));

// Manifests are loosely typed so that variants can change any field.
export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `002-1`, `003-1`, ... in order. */
export const seedNames = (): string[] =>
  readdirSync(SEEDS)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();

export const seedText = (name: string): string => readFileSync(join(SEEDS, `${name}.yaml`), 'utf8');
export const seedOriginal = (name: string): string => readFileSync(join(SEEDS, 'original', `${name}.txt`), 'utf8');
export const loadSeed = (name: string): Manifest => parseYaml(seedText(name)) as Manifest;

/** The collection path a manifest is created at; for a group version podnet does not serve, the path upstream had. */
export function collectionPath(m: Manifest, ns: string): string {
  const info = resourceByKind(m.apiVersion, m.kind);
  if (info) return resourcePath(info, info.namespaced ? ns : undefined);
  const plural = m.kind.toLowerCase().endsWith('s') ? `${m.kind.toLowerCase()}es` : `${m.kind.toLowerCase()}s`;
  const base = m.apiVersion.includes('/') ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
  return `${base}/namespaces/${ns}/${plural}`;
}

export interface PostResult {
  code: number;
  body: Manifest;
  warnings: string[];
}

/** POSTs a manifest as `kubectl create` does (fieldValidation given by `validation`). */
export async function postManifest(c: Client, m: Manifest, ns: string, validation = 'Strict'): Promise<PostResult> {
  const r = await c.raw('POST', `${collectionPath(m, ns)}?fieldValidation=${validation}`, JSON.stringify(m));
  const w = r.headers.warning;
  const text = Array.isArray(w) ? w.join(', ') : (w ?? '');
  const warnings = [...text.matchAll(/299 - ("(?:[^"\\]|\\.)*")/g)].map((x) => JSON.parse(x[1]) as string);
  return { code: r.status, body: JSON.parse(r.body) as Manifest, warnings };
}

/** A Status's causes as `field: message`, the way kubectl prints them. */
export const causes = (status: Manifest): string[] =>
  ((status.details?.causes ?? []) as { field: string; message: string }[]).map((x) => `${x.field}: ${x.message}`);

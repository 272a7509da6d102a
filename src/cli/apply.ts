/**
 * Creating objects from YAML manifests through the API (what `kubectl create -f` does): used by
 * `podnet demo`; users are free to use the real kubectl instead.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/types.js';
import { resourceByKind } from '../api/resources.js';
import { type Client, isAlreadyExists } from '../client/client.js';

export function readManifests(file: string): KubeObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const objs: KubeObject[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    const obj = d.toJS() as KubeObject | null;
    if (obj) objs.push(obj);
  }
  return objs;
}

/** Creates each object; one that exists already is left as it is. Returns `kind/name created|unchanged` lines. */
export async function createObjects(client: Client, objs: KubeObject[], namespace = 'default'): Promise<string[]> {
  const out: string[] = [];
  for (const obj of objs) {
    const info = resourceByKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!info) throw new Error(`apiVersion/kind: Unsupported value "${obj.apiVersion}/${obj.kind}"`);
    const ns = info.namespaced ? (obj.metadata?.namespace ?? namespace) : undefined;
    const label = `${info.singular}/${obj.metadata?.name}`;
    try {
      await client.create(info, ns, obj);
      out.push(`${label} created`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      out.push(`${label} unchanged`);
    }
  }
  return out;
}

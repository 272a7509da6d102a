/**
 * Reads the objects `podnet proxy render` works on: YAML or JSON files (multi-document, `List`
 * kinds, directories), keeping Services and EndpointSlices with the apiserver's defaulting
 * applied, so a manifest renders as the same object would after `kubectl apply`. Endpoints are
 * not read: kube-proxy takes endpoints only from EndpointSlices (the endpointslice mirroring
 * controller turns hand-written Endpoints into slices in a cluster).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyDefaults } from '../api/defaults/index.js';
import type { EndpointSlice, KubeObject, Service } from '../api/types.js';

export interface ProxyObjects {
  services: Service[];
  endpointSlices: EndpointSlice[];
  /** One line per object left out, for stderr. */
  warnings: string[];
}

const MANIFEST_EXT = /\.(ya?ml|json)$/;

function expandPaths(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    if (p === '-') return [p];
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new Error(`-f: "${p}": no such file or directory`);
    return st.isDirectory() ? readdirSync(p).filter((f) => MANIFEST_EXT.test(f)).sort().map((f) => join(p, f)) : [p];
  });
}

function parseFile(path: string, text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: a document must be a Kubernetes object`);
    const obj = value as KubeObject & { items?: KubeObject[] };
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) out.push(...obj.items);
    else out.push(obj);
  }
  return out;
}

const ref = (o: KubeObject): string => `${o.kind} ${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? '<no name>'}`;

/** What the apiserver would have allocated: a render cannot invent it, so it must be given. */
function checkService(svc: Service, where: string): void {
  const spec = svc.spec ?? {};
  if (!svc.metadata?.name) throw new Error(`${where}: Service: metadata.name: Required value`);
  if (spec.type === 'ExternalName') return;
  spec.clusterIP ||= spec.clusterIPs?.[0]; // the strategy's normalizeClusterIPs
  if (!spec.clusterIP) {
    throw new Error(`${where}: ${ref(svc)}: spec.clusterIP: Required value: a render allocates nothing; give the ClusterIP (or "None" for a headless Service)`);
  }
  (spec.ports ?? []).forEach((p, i) => {
    const needsNodePort = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    if (needsNodePort && spec.clusterIP !== 'None' && !p.nodePort) {
      throw new Error(`${where}: ${ref(svc)}: spec.ports[${i}].nodePort: Required value: a ${spec.type} Service needs its node port in the manifest`);
    }
  });
}

export function loadProxyObjects(paths: readonly string[], readStdin: () => string = () => readFileSync(0, 'utf8')): ProxyObjects {
  const out: ProxyObjects = { services: [], endpointSlices: [], warnings: [] };
  for (const path of expandPaths(paths)) {
    const where = path === '-' ? '<stdin>' : path;
    for (const obj of parseFile(where, path === '-' ? readStdin() : readFileSync(path, 'utf8'))) {
      if (!obj.metadata) obj.metadata = {};
      obj.metadata.namespace ??= 'default';
      if (obj.kind === 'Service') {
        applyDefaults('Service', obj);
        checkService(obj as Service, where);
        out.services.push(obj as Service);
      } else if (obj.kind === 'EndpointSlice') {
        applyDefaults('EndpointSlice', obj);
        out.endpointSlices.push(obj as EndpointSlice);
      } else if (obj.kind === 'Endpoints') {
        out.warnings.push(`${where}: ${ref(obj)} ignored: kube-proxy reads only EndpointSlices (in a cluster, mirroring makes one from it)`);
      } else {
        out.warnings.push(`${where}: ${ref(obj)} ignored: not a Service or EndpointSlice`);
      }
    }
  }
  return out;
}

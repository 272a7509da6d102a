/** Objects every cluster starts with: the four system namespaces (created when missing). */
import { resourceByPlural } from '../api/resources.js';
import type { Registry } from './registry.js';
import { StatusError } from './status.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrapNamespaces(reg: Registry): Promise<void> {
  const info = resourceByPlural('namespaces', '')!;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await reg.create(info, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
}

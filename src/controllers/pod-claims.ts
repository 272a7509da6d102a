/**
 * ClaimPods, as upstream's PodControllerRefManager: an owner's pods are those it controls that
 * its selector still selects; pods it controls that no longer match are released (the reference
 * removed), matching orphans adopted (a controller reference added). Both are patches with a
 * resourceVersion precondition, so a concurrent change makes them fail rather than clobber.
 */
import type { KubeObject, Pod } from '../api/types.js';
import { type Client, isConflict, isNotFound } from '../client/client.js';
import { controllerOf, controllerRef, isTerminating } from './owners.js';

export interface ClaimOptions {
  /** The owner's kind, for the controller reference. */
  kind: string;
  apiVersion: string;
  selects(labels: Record<string, string> | undefined): boolean;
  /** False for an empty selector: such owners never adopt. */
  canAdopt: boolean;
}

async function patchRefs(client: Client, pod: Pod, refs: unknown[] | null): Promise<Pod | undefined> {
  const m = pod.metadata ?? {};
  try {
    return await client.patch<Pod>('pods', m.namespace, m.name ?? '', { metadata: { resourceVersion: m.resourceVersion, ownerReferences: refs } });
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return undefined;
    throw e;
  }
}

/** The pods `owner` keeps, among `pods` of its namespace, after releasing and adopting. */
export async function claimPods(client: Client, owner: KubeObject, pods: Pod[], o: ClaimOptions): Promise<Pod[]> {
  const uid = owner.metadata?.uid;
  const claimed: Pod[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (ref?.uid === uid) {
      if (o.selects(pod.metadata?.labels)) claimed.push(pod);
      else if (!isTerminating(owner)) {
        const rest = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await patchRefs(client, pod, rest.length ? rest : null);
      }
    } else if (!ref && o.canAdopt && !isTerminating(owner) && !isTerminating(pod) && o.selects(pod.metadata?.labels)) {
      const adopted = await patchRefs(client, pod, [...(pod.metadata?.ownerReferences ?? []), controllerRef(owner, o.apiVersion, o.kind)]);
      if (adopted) claimed.push(adopted);
    }
  }
  return claimed;
}

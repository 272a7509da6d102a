/**
 * IPAMHandles: per handle (`<network>.<containerID>`), how many addresses it holds in which
 * block, as libcalico-go records them. The blocks are the truth (an allocation names its handle
 * in its attributes); the handle is the index a release starts from.
 */
import { createHash } from 'node:crypto';
import type { IPAMHandle } from '../../api/calico.js';
import { CALICO_API_VERSION } from '../../api/calico.js';
import { type Client, isAlreadyExists, isConflict, isNotFound } from '../../client/client.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import { HANDLES } from './affinities.js';

/** The object name of a handle: the handle id lowercased when that is a valid name, else a hash. */
export function handleName(handleID: string): string {
  const lower = handleID.toLowerCase();
  return isDNS1123Subdomain(lower).length === 0 && lower === handleID ? lower : `h-${createHash('sha1').update(handleID).digest('hex')}`;
}

export async function getHandle(client: Client, handleID: string): Promise<IPAMHandle | undefined> {
  try {
    return await client.get<IPAMHandle>(HANDLES, undefined, handleName(handleID));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Adds `n` addresses in block `cidr` to the handle, creating it; retried on conflicts. */
export async function incrementHandle(client: Client, handleID: string, cidr: string, n = 1): Promise<void> {
  for (;;) {
    const cur = await getHandle(client, handleID);
    try {
      if (!cur) {
        const obj: IPAMHandle = { apiVersion: CALICO_API_VERSION, kind: 'IPAMHandle', metadata: { name: handleName(handleID) }, spec: { handleID, block: { [cidr]: n }, deleted: false } };
        await client.create(HANDLES, undefined, obj);
      } else {
        const block = { ...(cur.spec?.block ?? {}) };
        block[cidr] = (block[cidr] ?? 0) + n;
        await client.update(HANDLES, { ...cur, spec: { ...cur.spec!, block } });
      }
      return;
    } catch (e) {
      if (!isConflict(e) && !isAlreadyExists(e)) throw e;
    }
  }
}

/** Deletes the handle (whatever it records); absent is fine. */
export async function deleteHandle(client: Client, handleID: string): Promise<void> {
  await client.delete(HANDLES, undefined, handleName(handleID)).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
}

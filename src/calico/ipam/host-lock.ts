/**
 * The host-wide IPAM lock calico-ipam takes around an assignment (Calico's ipam.lock file): one
 * assignment per node at a time in this process, so a burst of ADDs on one node does not turn
 * into a storm of resourceVersion conflicts on the same block. Correctness never rests on it.
 */
const tails = new Map<string, Promise<void>>();

export async function withHostLock<T>(node: string, fn: () => Promise<T>): Promise<T> {
  const prev = tails.get(node) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  tails.set(node, tail);
  await prev;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(node) === tail) tails.delete(node);
  }
}

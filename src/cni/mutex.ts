/**
 * A keyed in-process mutex: concurrent CNI calls served by one process (the CNI server) take
 * turns on shared state (one bridge, one IPAM directory) instead of racing on it.
 */
const tails = new Map<string, Promise<void>>();

/** Runs `fn` once every earlier holder of `key` has finished. */
export async function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  tails.set(key, tail);
  await prev;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

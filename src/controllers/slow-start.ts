/**
 * Runs `count` calls in batches of 1, 2, 4, ... and stops at the first failing batch, as
 * upstream's slowStartBatch: a ReplicaSet whose pods are all rejected costs one call, not 500.
 */
export async function slowStart(count: number, fn: () => Promise<void>): Promise<number> {
  let done = 0;
  for (let batch = 1; done < count; batch *= 2) {
    const n = Math.min(batch, count - done);
    const results = await Promise.allSettled(Array.from({ length: n }, fn));
    done += results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return done;
}

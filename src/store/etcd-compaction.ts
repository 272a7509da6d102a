/**
 * etcd's compact revision, which etcd 3.4 does not report: a read below it fails with
 * ErrCompacted and a read at it succeeds, so it is the lowest readable revision. Compaction
 * only moves forward, so a known value that is still readable is still exact (one read), and
 * otherwise a binary search between it and the current revision finds the new one (log2 reads).
 *
 * etcd's compaction at X also drops a delete made AT X (a tombstone is never kept), so a watch
 * from X could miss it. The Store's compact revision — from which every event is still there —
 * is therefore etcd's + 1, and Store.compact(C) compacts etcd to C - 1.
 */

/** Finds etcd's compact revision, given one known to be at or below it (0 = none known). */
export async function findEtcdCompactRevision(
  known: number,
  readable: (revision: number) => Promise<boolean>,
  currentRevision: () => Promise<number>,
): Promise<number> {
  if (await readable(Math.max(known, 1))) return known;
  let lo = known + 1;
  let hi = await currentRevision();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await readable(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The Store's compact revision for etcd's (0 when etcd never compacted past its first revision). */
export const storeCompactRevision = (etcdCompacted: number): number => (etcdCompacted > 1 ? etcdCompacted + 1 : 0);

/** The etcd compaction that makes `storeRevision` the Store's compact revision. */
export const etcdCompactTarget = (storeRevision: number): number => storeRevision - 1;

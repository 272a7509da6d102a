/**
 * Polls `fn` until it returns a value other than undefined or false, retrying through thrown
 * errors; after `ms` it fails naming `what` and the last error. Components sync
 * asynchronously (informers, runners), so tests wait for a condition instead of sleeping.
 */
export async function eventually<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message ?? String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

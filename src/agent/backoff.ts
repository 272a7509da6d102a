/**
 * Per-key exponential back-off, as kubelet's (client-go flowcontrol.Backoff): 10 s doubling to
 * 5 min; an entry not updated for twice the maximum starts over. Crash loops ask
 * isInBackOffSince(finishedAt); image pulls ask isInBackOffSinceUpdate().
 */
export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly initialMs = INITIAL_BACKOFF_MS,
    private readonly maxMs = MAX_BACKOFF_MS,
  ) {}

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > 2 * this.maxMs;
  }

  /** Records a failure seen at `eventTime`: the first delay is the initial one, then it doubles. */
  next(key: string, eventTime = this.now()): void {
    const e = this.entries.get(key);
    const delayMs = !e || this.expired(e, eventTime) ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: this.now() });
  }

  /** The current delay of `key` (0 when it has none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Milliseconds left of the back-off that started at `eventTime` (0 when none). */
  remainingSince(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return 0;
    return Math.max(0, eventTime + e.delayMs - this.now());
  }

  /** True while `key` backs off from an event at `eventTime` (a container's finishedAt). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    return this.remainingSince(key, eventTime) > 0;
  }

  /** True while `key` backs off from its last recorded failure. */
  isInBackOffSinceUpdate(key: string): boolean {
    const e = this.entries.get(key);
    return !!e && this.remainingSince(key, e.lastUpdate) > 0;
  }

  /** Milliseconds until `key` may retry after its last recorded failure. */
  remainingSinceUpdate(key: string): number {
    const e = this.entries.get(key);
    return e ? this.remainingSince(key, e.lastUpdate) : 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key starting with `prefix` (a pod's containers when the pod goes). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

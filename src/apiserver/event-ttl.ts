/**
 * Events expire, as kube-apiserver's --event-ttl (1 h) makes etcd forget them: a periodic pass
 * deletes Events last seen longer ago than the TTL, so a long-running cluster does not keep them all.
 */
import { resourceByPlural, storeKey } from '../api/resources.js';
import type { Obj } from './codec.js';
import type { Registry } from './registry.js';

const EVENTS = resourceByPlural('events', '')!;

/** When an Event was last seen: lastTimestamp, eventTime, series, or its creation. */
function lastSeen(ev: Obj): number {
  const series = (ev.series as { lastObservedTime?: string } | undefined)?.lastObservedTime;
  const t = (ev.lastTimestamp as string | undefined) ?? series ?? (ev.eventTime as string | undefined) ?? ev.metadata?.creationTimestamp;
  return t ? Date.parse(String(t)) : 0;
}

export class EventTTL {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly reg: Registry,
    private readonly ttlSeconds: number,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    if (this.ttlSeconds <= 0) return;
    this.timer = setInterval(() => void this.expire().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes expired Events now; returns how many went. */
  async expire(now = Date.now()): Promise<number> {
    const { items } = await this.reg.list(EVENTS, undefined);
    let n = 0;
    for (const ev of items) {
      if (now - lastSeen(ev) <= this.ttlSeconds * 1000) continue;
      const kv = await this.reg.store.get(storeKey(EVENTS, ev.metadata?.namespace, ev.metadata!.name!));
      if (kv && (await this.reg.remove(EVENTS, kv))) n++;
    }
    return n;
  }
}

/**
 * Fan-out of store events to watchers, shared by the store backends: each watcher gets its
 * replayed history first, then live events, in order, delivered off the writer's call stack
 * (a writer never runs watcher code).
 */
import type { Disposable, StoreEvent } from './store.js';

interface Watcher {
  prefix: string;
  queue: StoreEvent[];
  scheduled: boolean;
  closed: boolean;
  onEvents: (events: StoreEvent[]) => void;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  /** Registers a watcher whose first delivery is `replay`; call synchronously after reading history. */
  add(prefix: string, replay: StoreEvent[], onEvents: (events: StoreEvent[]) => void): Disposable {
    const w: Watcher = { prefix, queue: [...replay], scheduled: false, closed: false, onEvents };
    this.watchers.add(w);
    if (w.queue.length) this.schedule(w);
    return {
      dispose: () => {
        w.closed = true;
        this.watchers.delete(w);
      },
    };
  }

  /** Publishes committed events (one revision or more, in order). */
  publish(events: StoreEvent[]): void {
    for (const w of this.watchers) {
      let added = false;
      for (const ev of events) {
        if (ev.kv.key.startsWith(w.prefix)) {
          w.queue.push(ev);
          added = true;
        }
      }
      if (added) this.schedule(w);
    }
  }

  closeAll(): void {
    for (const w of this.watchers) w.closed = true;
    this.watchers.clear();
  }

  private schedule(w: Watcher): void {
    if (w.scheduled) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      if (w.closed || !w.queue.length) return;
      const batch = w.queue;
      w.queue = [];
      w.onEvents(batch);
    });
  }
}

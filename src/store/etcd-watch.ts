/**
 * One Store watch on an etcd v3 watch: prefix range, prev_kv, start revision. etcd replays
 * history from the start revision and then sends live events, in revision order; the etcd3
 * client re-creates the watch after a lost connection, resuming after the last event delivered.
 */
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type { EtcdKeys } from './etcd-codec.js';
import type { Disposable, StoreEvent } from './store.js';

export interface EtcdWatchOptions {
  client: Etcd3;
  keys: EtcdKeys;
  prefix: string;
  /** The first revision to deliver (etcd's start_revision). */
  startRevision: number;
  onEvents: (events: StoreEvent[]) => void;
  /** The watch ended on its own (etcd canceled it, e.g. compacted past where it would resume). */
  onCancel: (err: Error, nextRevision: number) => void;
}

export class EtcdWatch implements Disposable {
  private readonly watcher: Watcher;
  private closed = false;
  /** Every event below this revision has been delivered. */
  private next: number;

  constructor(private readonly opts: EtcdWatchOptions) {
    this.next = opts.startRevision;
    const { key, range_end } = opts.keys.range(opts.prefix);
    this.watcher = opts.client
      .watch()
      .inRange({ start: key, end: range_end })
      .withPreviousKV()
      .startRevision(String(opts.startRevision))
      .watcher();
    this.watcher.on('data', (res: IWatchResponse) => this.onData(res));
    this.watcher.on('error', (err: Error) => {
      if (this.closed) return;
      this.closed = true;
      opts.onCancel(err, this.next);
    });
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    // etcd3 cancels once the watch is registered; nothing is delivered after closed is set.
    void this.watcher.cancel().catch(() => undefined);
  }

  private onData(res: IWatchResponse): void {
    const events: StoreEvent[] = [];
    for (const ev of res.events) {
      const sev = this.opts.keys.toEvent(ev);
      if (sev.revision >= this.next) events.push(sev);
    }
    if (events.length) {
      this.next = events[events.length - 1].revision + 1;
      // etcd3 resumes a re-created watch after the response header's revision; while etcd is
      // still replaying history in batches that revision runs ahead of the events sent, so
      // resume after the last event actually delivered instead.
      (this.watcher.request as { start_revision?: string }).start_revision = String(this.next);
    }
    if (this.closed || !events.length) return;
    this.opts.onEvents(events);
  }
}

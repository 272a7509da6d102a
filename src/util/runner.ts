/**
 * BoundedFrequencyRunner, as kube-proxy's: events only call run(); the runner coalesces them,
 * runs the sync function at most once per minInterval, retries failures after retryInterval
 * and resyncs every maxInterval. Each sync recomputes the whole desired state (level-triggered).
 */
export interface RunnerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: RunnerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RunnerOptions {
  name: string;
  minIntervalMs: number;
  maxIntervalMs: number;
  retryIntervalMs?: number;
  onError?: (e: unknown) => void;
}

export class BoundedFrequencyRunner {
  private lastRun = -Infinity;
  private timer: unknown;
  private timerAt = Infinity;
  private running = false;
  private pending = false;
  private requested = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly fn: () => Promise<void> | void,
    private readonly opts: RunnerOptions,
    private readonly clock: RunnerClock = realClock,
  ) {}

  /** Starts periodic resyncs and runs once now. */
  start(): void {
    this.run();
  }

  /** Asks for a sync as soon as minInterval allows. */
  run(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.requested = true;
    this.schedule(Math.max(0, this.lastRun + this.opts.minIntervalMs - this.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
  }

  /** Resolves when no sync is running or queued (tests and shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running && !this.pending && !this.requested) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(delay: number): void {
    const at = this.clock.now() + delay;
    if (at >= this.timerAt) return;
    this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    this.timerAt = Infinity;
    if (this.stopped) return;
    this.running = true;
    this.pending = false;
    this.requested = false;
    this.lastRun = this.clock.now();
    let failed = false;
    try {
      await this.fn();
    } catch (e) {
      failed = true;
      (this.opts.onError ?? ((err) => console.error(`${this.opts.name}: sync failed:`, err)))(e);
    }
    this.running = false;
    if (this.stopped) return;
    if (this.pending) this.run();
    else if (failed) this.schedule(this.opts.retryIntervalMs ?? this.opts.minIntervalMs);
    else this.schedule(this.opts.maxIntervalMs);
    if (!this.pending && !failed) for (const w of this.idleWaiters.splice(0)) w();
  }
}

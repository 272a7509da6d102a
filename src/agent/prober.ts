/**
 * The prober manager, as kubelet's: one worker per (container attempt, probe type) runs the
 * probe every periodSeconds after initialDelaySeconds and turns results into state with the
 * success/failure thresholds. Startup gates the others; readiness starts as failure; liveness
 * and startup failures ask the pod's sync to kill the container. Changes wake the pod's sync.
 */
import type { Container, Probe } from '../api/types.js';
import type { ProbeResult, ProbeTarget } from './probe-exec.js';

export type ProbeType = 'startup' | 'readiness' | 'liveness';

interface Worker {
  attemptId: string;
  probe: Probe;
  successes: number;
  failures: number;
  /** undefined until the first result past the initial delay. */
  result: boolean | undefined;
  output: string;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

export interface ProbeStatus {
  started: boolean;
  ready: boolean;
  /** Set when liveness or startup failed past its threshold: the container must be killed. */
  killReason?: string;
}

export type ProbeRunner = (probe: Probe, target: ProbeTarget) => Promise<ProbeResult>;

const probeOf = (c: Container, t: ProbeType): Probe | undefined =>
  t === 'startup' ? c.startupProbe : t === 'readiness' ? c.readinessProbe : c.livenessProbe;

export const hasProbes = (c: Container) => !!(c.startupProbe || c.readinessProbe || c.livenessProbe);

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(
    private readonly runProbe: ProbeRunner,
    private readonly onChange: (podUid: string) => void,
    private readonly now: () => number = Date.now,
    /** Told of every failed probe (kubelet's Unhealthy event). */
    private readonly onFailure?: (podUid: string, container: string, type: ProbeType, output: string) => void,
    /** Told of every success with a warning (kubelet's ProbeWarning event). */
    private readonly onWarning?: (podUid: string, container: string, type: ProbeType, output: string) => void,
  ) {}

  /** Runs the container's probes for attempt `attemptId` (stopping older attempts' workers). */
  ensure(podUid: string, c: Container, attemptId: string, target: ProbeTarget, startedAtMs: number, initiallyReady = false): void {
    // A pod sync still running when the agent stops must not start workers nobody will stop
    // (their timers would keep the process alive).
    if (this.stopped) return;
    for (const type of ['startup', 'readiness', 'liveness'] as ProbeType[]) {
      const probe = probeOf(c, type);
      const key = `${podUid}/${c.name}/${type}`;
      const w = this.workers.get(key);
      if (w && w.attemptId === attemptId) continue;
      if (w) this.stopWorker(key, w);
      if (!probe) continue;
      // kubelet keeps a container ready across its own restart instead of flapping to not ready.
      const result = type === 'readiness' && initiallyReady ? true : undefined;
      const fresh: Worker = { attemptId, probe, successes: 0, failures: 0, result, output: '', stopped: false };
      this.workers.set(key, fresh);
      const delay = Math.max(0, startedAtMs + (probe.initialDelaySeconds ?? 0) * 1000 - this.now());
      fresh.timer = setTimeout(() => void this.tick(podUid, key, fresh, target, type), delay);
    }
  }

  /** The probe-derived state of the container's attempt `attemptId`. */
  status(podUid: string, c: Container, attemptId: string): ProbeStatus {
    const get = (t: ProbeType) => {
      const w = this.workers.get(`${podUid}/${c.name}/${t}`);
      return w && w.attemptId === attemptId ? w : undefined;
    };
    const startup = get('startup');
    const started = !c.startupProbe || startup?.result === true;
    const readiness = get('readiness');
    const ready = started && (!c.readinessProbe || readiness?.result === true);
    const live = get('liveness');
    let killReason: string | undefined;
    // kubelet's Killing message names the probe, not its output (that is in the Unhealthy events).
    if (startup?.result === false) killReason = `Container ${c.name} failed startup probe, will be restarted`;
    else if (started && live?.result === false) killReason = `Container ${c.name} failed liveness probe, will be restarted`;
    return { started, ready, ...(killReason ? { killReason } : {}) };
  }

  removePod(podUid: string): void {
    for (const [key, w] of this.workers) if (key.startsWith(`${podUid}/`)) this.stopWorker(key, w);
  }

  stop(): void {
    this.stopped = true;
    for (const [key, w] of this.workers) this.stopWorker(key, w);
  }

  private stopWorker(key: string, w: Worker): void {
    w.stopped = true;
    clearTimeout(w.timer);
    this.workers.delete(key);
  }

  private async tick(podUid: string, key: string, w: Worker, target: ProbeTarget, type: ProbeType): Promise<void> {
    if (w.stopped) return;
    const startedAt = this.now();
    const startupKey = `${podUid}/${key.split('/')[1]}/startup`;
    const gated = type !== 'startup' && this.workers.has(startupKey) && this.workers.get(startupKey)!.result !== true;
    if (!gated) {
      const r: ProbeResult = await this.runProbe(w.probe, target).catch((e: unknown) => ({ ok: false, output: String((e as Error).message ?? e) }));
      if (w.stopped) return;
      if (!r.ok) this.onFailure?.(podUid, key.split('/')[1], type, r.output);
      else if (r.warning) this.onWarning?.(podUid, key.split('/')[1], type, r.output);
      if (this.record(w, r)) this.onChange(podUid);
      // A startup probe that succeeded has done its job (kubelet stops its worker).
      if (type === 'startup' && w.result === true) return;
    }
    // Every periodSeconds from the last probe's start, as kubelet's ticker: a slow probe (up to
    // timeoutSeconds) does not stretch the period; one slower than the period runs next at once.
    const period = Math.max(1, w.probe.periodSeconds ?? 10) * 1000;
    w.timer = setTimeout(() => void this.tick(podUid, key, w, target, type), Math.max(0, period - (this.now() - startedAt)));
  }

  /** Applies one result with the thresholds; returns true when the state flipped. */
  private record(w: Worker, r: ProbeResult): boolean {
    w.output = r.output;
    if (r.ok) {
      w.successes++;
      w.failures = 0;
    } else {
      w.failures++;
      w.successes = 0;
    }
    const before = w.result;
    if (r.ok && w.successes >= (w.probe.successThreshold ?? 1)) w.result = true;
    if (!r.ok && w.failures >= (w.probe.failureThreshold ?? 3)) w.result = false;
    return before !== w.result;
  }
}

/**
 * kube-proxy's proxier health state (pkg/proxy/healthcheck/proxier_health.go): the proxier calls
 * queuedUpdate() when a Service or EndpointSlice change arrives and updated() after every
 * successful sync; the proxy is unhealthy once a queued change has waited healthTimeout (2 ×
 * syncPeriod upstream) without a sync. Separately, the node is ineligible (so /healthz fails and
 * load balancers drain it) while it is being deleted or carries the cluster autoscaler's
 * ToBeDeletedByClusterAutoscaler taint. One IP family: podnet's proxy is IPv4 only.
 */
import type { Node } from '../../api/types.js';

export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';

/** What the HTTP side needs to answer: plain data, so it can cross to the server process. */
export interface ProxierHealthState {
  healthTimeoutMs: number;
  /** Epoch ms of the last successful sync (or of the proxy's start); undefined before. */
  lastUpdated?: number;
  /** Epoch ms of the oldest change not yet synced; undefined when fully synced. */
  oldestPendingQueued?: number;
  nodeEligible: boolean;
}

/** Whether the proxier is healthy at `now`, and the lastUpdated the answer reports. */
export function isHealthy(s: ProxierHealthState, now: number): { healthy: boolean; lastUpdated?: number } {
  // Healthy while starting up (nothing queued) or while a queued change is not late yet.
  const late = s.lastUpdated !== undefined && s.oldestPendingQueued !== undefined && now - s.oldestPendingQueued >= s.healthTimeoutMs;
  return { healthy: !late, lastUpdated: s.lastUpdated };
}

/** Node eligibility as upstream's SyncNode: not being deleted, not tainted for deletion. */
export function nodeEligible(node: Node): boolean {
  if (node.metadata?.deletionTimestamp) return false;
  return !(node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
}

export class ProxierHealth {
  private state: ProxierHealthState;
  private readonly listeners = new Set<(s: ProxierHealthState) => void>();

  constructor(
    healthTimeoutMs: number,
    /** Called after every change of state (the server process is sent a copy). */
    onChange?: (s: ProxierHealthState) => void,
    private readonly now: () => number = Date.now,
  ) {
    if (!(healthTimeoutMs > 0)) throw new Error(`healthTimeoutMs: Invalid value: ${healthTimeoutMs}: must be greater than zero`);
    // Eligible while starting up, until a node event says otherwise (upstream).
    this.state = { healthTimeoutMs, nodeEligible: true };
    if (onChange) this.listeners.add(onChange);
  }

  /**
   * Calls `fn` with the current state now and after every change (the service health checks
   * report serviceProxyHealthy from it); returns the unsubscribe.
   */
  subscribe(fn: (s: ProxierHealthState) => void): () => void {
    this.listeners.add(fn);
    fn(this.snapshot());
    return () => this.listeners.delete(fn);
  }

  /** A change arrived that the next sync must apply; only the oldest pending one counts. */
  queuedUpdate(): void {
    if (this.state.oldestPendingQueued !== undefined) return;
    this.set({ oldestPendingQueued: this.now() });
  }

  /** A sync succeeded: everything queued so far is applied. */
  updated(): void {
    this.set({ lastUpdated: this.now(), oldestPendingQueued: undefined });
  }

  syncNode(node: Node): void {
    const eligible = nodeEligible(node);
    if (eligible !== this.state.nodeEligible) this.set({ nodeEligible: eligible });
  }

  snapshot(): ProxierHealthState {
    return { ...this.state };
  }

  isHealthy(): boolean {
    return isHealthy(this.state, this.now()).healthy;
  }

  private set(patch: Partial<ProxierHealthState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn(this.snapshot());
  }
}

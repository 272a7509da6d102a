/**
 * LoadBalancerRR, as the userspace proxier's roundrobin.go: per service port a list of endpoints
 * (`ip:port`), shuffled whenever the set changes, handed out in turn; with ClientIP session
 * affinity a client keeps its endpoint while it came back within the affinity timeout. A retry
 * after a failed connect (sessionAffinityReset) skips the remembered endpoint and moves on.
 */
export class MissingEndpointsError extends Error {
  constructor(readonly servicePort: string) {
    super(`userspace proxy: Cannot pick an endpoint for "${servicePort}": it has no endpoints`);
    this.name = 'MissingEndpointsError';
  }
}

interface Affinity {
  endpoint: string;
  lastUsed: number;
}

interface BalancerState {
  endpoints: string[];
  index: number;
  /** 0 = no session affinity. */
  ttlMs: number;
  affinity: Map<string, Affinity>;
}

export interface LoadBalancerDeps {
  now(): number;
  /** A number in [0, 1): drives the shuffle (tests pass a fixed one). */
  random(): number;
}

const realDeps: LoadBalancerDeps = { now: () => Date.now(), random: Math.random };

function shuffle(items: readonly string[], random: () => number): string[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

export class LoadBalancerRR {
  private readonly services = new Map<string, BalancerState>();

  constructor(private readonly deps: LoadBalancerDeps = realDeps) {}

  /**
   * Sets a service port's endpoints and affinity timeout (seconds, 0 = none). An unchanged set
   * keeps the rotation and the sessions; a changed one is reshuffled, and sessions pinned to
   * endpoints that left are dropped.
   */
  update(servicePort: string, endpoints: readonly string[], stickyMaxAgeSeconds: number): void {
    const ttlMs = stickyMaxAgeSeconds * 1000;
    const cur = this.services.get(servicePort);
    if (cur && sameSet(cur.endpoints, endpoints)) {
      if (cur.ttlMs !== ttlMs) cur.affinity.clear();
      cur.ttlMs = ttlMs;
      return;
    }
    const keep = new Set(endpoints);
    const affinity = new Map([...(cur?.affinity ?? [])].filter(([, a]) => keep.has(a.endpoint)));
    this.services.set(servicePort, { endpoints: shuffle(endpoints, this.deps.random), index: 0, ttlMs, affinity });
  }

  /** Forgets service ports not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const k of this.services.keys()) if (!keep.has(k)) this.services.delete(k);
  }

  /**
   * The endpoint for a new connection from `clientIP`. Throws MissingEndpointsError when the
   * service port has none.
   */
  nextEndpoint(servicePort: string, clientIP: string, sessionAffinityReset = false): string {
    const s = this.services.get(servicePort);
    if (!s || s.endpoints.length === 0) throw new MissingEndpointsError(servicePort);
    const now = this.deps.now();
    if (s.ttlMs > 0 && !sessionAffinityReset) {
      const a = s.affinity.get(clientIP);
      if (a && now - a.lastUsed < s.ttlMs) {
        a.lastUsed = now;
        return a.endpoint;
      }
    }
    const endpoint = s.endpoints[s.index % s.endpoints.length];
    s.index = (s.index + 1) % s.endpoints.length;
    if (s.ttlMs > 0) s.affinity.set(clientIP, { endpoint, lastUsed: now });
    return endpoint;
  }

  /** Drops sessions idle longer than their timeout (upstream: CleanupStaleStickySessions). */
  cleanupStaleStickySessions(): void {
    const now = this.deps.now();
    for (const s of this.services.values()) {
      for (const [ip, a] of s.affinity) if (now - a.lastUsed >= s.ttlMs) s.affinity.delete(ip);
    }
  }

  /** The endpoints in rotation order (for tests and explanation). */
  endpoints(servicePort: string): string[] {
    return [...(this.services.get(servicePort)?.endpoints ?? [])];
  }
}

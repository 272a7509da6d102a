/**
 * The answers of kube-proxy's health server (port 10256): `/healthz` (proxier health AND node
 * eligibility; load balancers probe it) and `/livez` (proxier health only; the kube-proxy pod's
 * liveness probe). Status 200 or 503; the body is upstream's hand-formatted JSON, with Go's
 * time.Time String() form. A healthy answer reports lastUpdated = currentTime, as upstream does
 * for compatibility with older releases.
 */
import { isHealthy, type ProxierHealthState } from './proxier-health.js';

export interface HealthzResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * Go's `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`, fraction without
 * trailing zeros (none at all when zero), then ` m=+<seconds>` when the time carries a monotonic
 * reading (every time.Now() does). undefined is Go's zero time.
 */
export function goTimeString(epochMs: number | undefined, monotonicS?: number): string {
  if (epochMs === undefined) return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(epochMs);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '');
  const mono = monotonicS === undefined ? '' : ` m=+${monotonicS.toFixed(9)}`;
  return `${date} ${time}${frac ? `.${frac}` : ''} +0000 UTC${mono}`;
}

function answer(healthy: boolean, body: string): HealthzResponse {
  return {
    status: healthy ? 200 : 503,
    headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'Content-Length': String(Buffer.byteLength(body)) },
    body,
  };
}

/** Clock of the answering process: wall time, and seconds since it started (Go's m=+). */
export interface AnswerClock {
  now: number;
  monotonicS?: number;
}

export function healthzResponse(s: ProxierHealthState, clock: AnswerClock): HealthzResponse {
  const h = isHealthy(s, clock.now);
  const healthy = h.healthy && s.nodeEligible;
  const current = goTimeString(clock.now, clock.monotonicS);
  const last = healthy ? current : goTimeString(h.lastUpdated);
  return answer(healthy, `{"lastUpdated": ${JSON.stringify(last)},"currentTime": ${JSON.stringify(current)}, "nodeEligible": ${s.nodeEligible}}`);
}

export function livezResponse(s: ProxierHealthState, clock: AnswerClock): HealthzResponse {
  const h = isHealthy(s, clock.now);
  const current = goTimeString(clock.now, clock.monotonicS);
  const last = h.healthy ? current : goTimeString(h.lastUpdated);
  return answer(h.healthy, `{"lastUpdated": ${JSON.stringify(last)},"currentTime": ${JSON.stringify(current)}}`);
}

/** Go's ServeMux answer for any other path. */
export function notFoundResponse(): HealthzResponse {
  const body = '404 page not found\n';
  return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': String(body.length) }, body };
}

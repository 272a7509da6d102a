/**
 * The httpGet probe as kubelet's (pkg/probe/http): a GET from the node's netns (curl there),
 * User-Agent `kube-probe/<major>.<minor>` and `Accept: *\/*` unless the probe sets them (an
 * empty Accept removes it), the Host header as the request's host; redirects followed while they
 * stay on the same hostname (at most 10), and one to another hostname ends the probe with that
 * 3xx as a success with a warning; 200-399 succeeds, anything else fails; one timeout for all.
 */
import { run } from '../dataplane/exec.js';

export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_REDIRECTS = 10;

export interface HttpProbeResult {
  ok: boolean;
  output: string;
  /** kubelet's probe.Warning: a success that also records a ProbeWarning event. */
  warning?: boolean;
}

/** curl -H arguments for the probe's headers plus kubelet's defaults. */
export function probeHeaderArgs(headers: { name: string; value: string }[]): string[] {
  const has = (n: string) => headers.some((h) => h.name.toLowerCase() === n);
  const all = [...headers];
  if (!has('user-agent')) all.push({ name: 'User-Agent', value: PROBE_USER_AGENT });
  if (!has('accept')) all.push({ name: 'Accept', value: '*/*' });
  // curl: "Name:" removes a header (kubelet drops an empty Accept), "Name;" sends it empty.
  return all.flatMap((h) => ['-H', h.value === '' ? `${h.name}${h.name.toLowerCase() === 'accept' ? ':' : ';'}` : `${h.name}: ${h.value}`]);
}

/** The probe's URL (kubelet's formatURL): host (IPv6 bracketed), port, path with a leading '/'. */
export function probeURL(scheme: string, host: string, port: number, path: string | undefined): string {
  const p = path ? (path.startsWith('/') ? path : `/${path}`) : '/';
  return `${scheme.toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${p}`;
}

/** Go's error text for what curl reports (kubelet's output names the request and the dial). */
function requestError(url: string, code: number, stderr: string): string {
  const u = new URL(url);
  const addr = `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  if (code === 7) return `Get "${url}": dial tcp ${addr}: connect: connection refused`;
  if (code === 28) return `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  return `Get "${url}": ${stderr.replace(/^curl: \(\d+\) /, '').trim() || `curl exit ${code}`}`;
}

interface Hop {
  status: number;
  location: string;
}

async function fetchOnce(netns: string, url: string, headerArgs: string[], seconds: number): Promise<Hop | { error: string }> {
  const args = ['netns', 'exec', netns, 'curl', '-sS', '-k', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '--max-time', seconds.toFixed(3), ...headerArgs, url];
  const r = await run('ip', args, { allowFailure: true });
  if (r.code !== 0) return { error: requestError(url, r.code ?? -1, r.stderr) };
  const [status, location = ''] = r.stdout.trim().split(' ');
  return { status: Number(status), location };
}

/** Runs one httpGet probe from `netns` against `url` within `timeoutSeconds`. */
export async function httpProbe(netns: string, url: string, headers: { name: string; value: string }[], timeoutSeconds: number): Promise<HttpProbeResult> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const headerArgs = probeHeaderArgs(headers);
  const host = new URL(url).hostname;
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const left = (deadline - Date.now()) / 1000;
    if (left <= 0) return { ok: false, output: requestError(current, 28, '') };
    const hop = await fetchOnce(netns, current, headerArgs, left);
    if ('error' in hop) return { ok: false, output: hop.error };
    const { status, location } = hop;
    if (status >= 300 && status < 400 && location) {
      // Only same-host redirects are followed, as kubelet's redirect checker does.
      if (new URL(location).hostname !== host) return { ok: true, warning: true, output: 'Probe terminated redirects, Response body: ' };
      // Go's client refuses the redirect that would make the chain 10 requests long.
      if (redirects + 1 >= MAX_REDIRECTS) return { ok: false, output: `Get "${location}": stopped after ${MAX_REDIRECTS} redirects` };
      current = location;
      continue;
    }
    if (status >= 300 && status < 400) return { ok: true, warning: true, output: 'Probe terminated redirects, Response body: ' };
    if (status >= 200 && status < 400) return { ok: true, output: '' };
    return { ok: false, output: `HTTP probe failed with statuscode: ${status}` };
  }
}

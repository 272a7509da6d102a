/**
 * Running one probe, as kubelet's prober does: httpGet, tcpSocket and grpc from the node (its
 * netns) to the pod IP, exec inside the container's namespaces. Each returns success or failure with
 * the reason kubelet would log.
 */
import type { Container, Probe } from '../api/types.js';
import { run } from '../dataplane/exec.js';
import { capabilityPrefix } from './container-security.js';
import { grpcProbe } from './probe-grpc.js';
import { httpProbe, probeURL } from './probe-http.js';

export interface ProbeTarget {
  podIP: string;
  nodeNetns: string;
  /** The container's pid: exec probes enter its namespaces. */
  pid: number;
  container: Container;
}

export interface ProbeResult {
  ok: boolean;
  output: string;
  /** A success kubelet reports with a ProbeWarning event (an httpGet ending on a redirect). */
  warning?: boolean;
}

/** A named port resolves through the container's ports, as kubelet's findPortByName. */
export function resolveProbePort(port: number | string | undefined, c: Container, field: string): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const found = c.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`agent: Invalid value "${port}" for ${field}.port: container "${c.name}" has no port of that name`);
  return found.containerPort;
}

async function httpGet(p: NonNullable<Probe['httpGet']>, t: ProbeTarget, timeout: number): Promise<ProbeResult> {
  const port = resolveProbePort(p.port, t.container, 'httpGet');
  const url = probeURL(p.scheme ?? 'HTTP', p.host || t.podIP, port, p.path);
  return httpProbe(t.nodeNetns, url, p.httpHeaders ?? [], timeout);
}

async function tcpSocket(p: NonNullable<Probe['tcpSocket']>, t: ProbeTarget, timeout: number): Promise<ProbeResult> {
  const port = resolveProbePort(p.port, t.container, 'tcpSocket');
  const host = p.host || t.podIP;
  const script = 'exec 3<>"/dev/tcp/$0/$1"';
  const r = await run('ip', ['netns', 'exec', t.nodeNetns, 'timeout', String(timeout), 'bash', '-c', script, host, String(port)], { allowFailure: true });
  if (r.code === 0) return { ok: true, output: '' };
  // Go's dial errors, as kubelet's tcp prober reports them.
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why = r.code === 124 ? 'i/o timeout' : /no route/i.test(r.stderr) ? 'connect: no route to host' : 'connect: connection refused';
  return { ok: false, output: `dial tcp ${addr}: ${why}` };
}

async function execProbe(p: NonNullable<Probe['exec']>, t: ProbeTarget, timeout: number): Promise<ProbeResult> {
  const cmd = p.command ?? [];
  if (cmd.length === 0) return { ok: false, output: 'exec probe: command is empty' };
  // With the container's capabilities only: a probe is the pod author's command (container-security.ts).
  const r = await run('timeout', ['--kill-after=1', String(timeout), 'nsenter', `--target=${t.pid}`, '--net', '--uts', '--mount', '--', ...capabilityPrefix(t.container), ...cmd], { allowFailure: true });
  // timeout(1) exits 124 when the command outlived it (137 when it also needed SIGKILL).
  if (r.code === 124 || r.code === 137) return { ok: false, output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
  return { ok: r.code === 0, output: (r.stdout + r.stderr).trim() };
}

/** Runs `probe` once against `t`. */
export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeResult> {
  const timeout = Math.max(1, probe.timeoutSeconds ?? 1);
  if (probe.httpGet) return httpGet(probe.httpGet, t, timeout);
  if (probe.tcpSocket) return tcpSocket(probe.tcpSocket, t, timeout);
  if (probe.exec) return execProbe(probe.exec, t, timeout);
  if (probe.grpc) return grpcProbe(t.nodeNetns, t.podIP, probe.grpc.port, probe.grpc.service ?? '', timeout);
  return { ok: false, output: 'agent: probe has no handler (httpGet, tcpSocket, exec, grpc)' };
}

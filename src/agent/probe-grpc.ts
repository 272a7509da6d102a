/**
 * The grpc probe as kubelet's (pkg/probe/grpc): the standard health check RPC
 * `grpc.health.v1.Health/Check {service}` to the pod IP from the node's netns, over HTTP/2
 * without TLS (curl with prior knowledge), success only for status SERVING; the outcome reads as
 * kubelet's messages. The request is a gRPC frame (flag 0, 4-byte length) holding the protobuf
 * HealthCheckRequest (field 1, the service name); the response's status is field 1 (varint).
 */
import { run } from '../dataplane/exec.js';
import type { ProbeResult } from './probe-exec.js';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_UNIMPLEMENTED = 12;
const GRPC_DEADLINE_EXCEEDED = 4;
/** The request goes to curl's stdin as text: every byte must stay below 0x80. */
const MAX_SERVICE_LENGTH = 120;

/** The gRPC-framed HealthCheckRequest for `service` ('' = the server as a whole). */
export function healthCheckRequest(service: string): string {
  const message = service ? `\x0a${String.fromCharCode(service.length)}${service}` : '';
  return `\x00\x00\x00\x00${String.fromCharCode(message.length)}${message}`;
}

/** The status of a gRPC-framed HealthCheckResponse at the start of `body` (0, UNKNOWN, when absent). */
export function healthCheckStatus(body: string): number {
  return body.length >= 7 && body.charCodeAt(5) === 0x08 ? body.charCodeAt(6) : 0;
}

/** Runs one grpc probe from `netns` against `host:port` within `timeoutSeconds`. */
export async function grpcProbe(netns: string, host: string, port: number, service: string, timeoutSeconds: number): Promise<ProbeResult> {
  if (service.length > MAX_SERVICE_LENGTH || /[^\x20-\x7e]/.test(service)) {
    return { ok: false, output: `podnet: grpc probe service names are printable ASCII of at most ${MAX_SERVICE_LENGTH} characters` };
  }
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const args = ['netns', 'exec', netns, 'curl', '-sS', '--http2-prior-knowledge', '--max-time', String(timeoutSeconds), '-X', 'POST',
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', 'user-agent: kube-probe/1.32', '--data-binary', '@-', '-i',
    `http://${addr}/grpc.health.v1.Health/Check`];
  const r = await run('ip', args, { input: healthCheckRequest(service), allowFailure: true });
  if (r.code === 7) return { ok: false, output: `timeout: failed to connect service "${addr}" within ${timeoutSeconds}s: connection refused` };
  if (r.code === 28) return { ok: false, output: `timeout: health rpc did not complete within ${timeoutSeconds}s` };
  if (r.code !== 0) return { ok: false, output: `error: health rpc probe failed: ${r.stderr.split('\n').filter((l) => l.startsWith('curl:')).join(' ') || `curl exit ${r.code}`}` };
  // stdout (-i): the headers, a blank line, the body, then the trailers right after it, where
  // grpc-status comes (or in the headers of a trailers-only response).
  const code = Number([...r.stdout.matchAll(/grpc-status:[ \t]*(\d+)/gi)].pop()?.[1] ?? 0);
  const message = [...r.stdout.matchAll(/grpc-message:[ \t]*([^\r\n]*)/gi)].pop()?.[1]?.trim() ?? '';
  if (code === GRPC_UNIMPLEMENTED) return { ok: false, output: `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}` };
  if (code === GRPC_DEADLINE_EXCEEDED) return { ok: false, output: `timeout: health rpc did not complete within ${timeoutSeconds}s` };
  if (code !== 0) return { ok: false, output: `error: health rpc probe failed: rpc error: code = ${code} desc = ${message}` };
  const status = healthCheckStatus(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4));
  if (status !== 1) return { ok: false, output: `service unhealthy (responded with "${STATUS_NAMES[status] ?? status}")` };
  return { ok: true, output: 'service is serving' };
}

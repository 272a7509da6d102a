/**
 * The pods of the probes e2e test. Probe targets run a small Node server (the `node` image runs
 * the host's node): its hostname on :8080 `/`, `/ready` 200 only while /data/ready exists,
 * `/healthz` 500 while /data/sick exists (removed at start), and :9090 opened once /data/open
 * exists, and gRPC health on :50051 SERVING only while /data/ready exists. /data is an emptyDir, so `kubectl exec` flips a probe and a restart keeps the files.
 */
import { stringify } from 'yaml';

const SERVER = [
  "const http = require('node:http'), fs = require('node:fs'), os = require('node:os'), net = require('node:net');",
  "fs.rmSync('/data/sick', { force: true });",
  'http.createServer((q, s) => {',
  "  if (q.url === '/ready') s.writeHead(fs.existsSync('/data/ready') ? 200 : 500);",
  "  if (q.url === '/healthz') s.writeHead(fs.existsSync('/data/sick') ? 500 : 200);",
  '  s.end(os.hostname());',
  '}).listen(8080);',
  "const t = setInterval(() => { if (fs.existsSync('/data/open')) { clearInterval(t); net.createServer((c) => c.end()).listen(9090); } }, 200);",
  "process.on('SIGTERM', () => process.exit(0));",
  // gRPC health (grpc.health.v1.Health/Check over h2c) on :50051: SERVING only while /data/ready exists.
  "require('node:http2').createServer().on('stream', (st) => { st.resume(); st.on('end', () => {",
  "  st.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });",
  "  st.on('wantTrailers', () => st.sendTrailers({ 'grpc-status': '0' }));",
  "  st.end(Buffer.from([0, 0, 0, 0, 2, 8, fs.existsSync('/data/ready') ? 1 : 2]));",
  '}); }).listen(50051);',
].join('\n');

type Probe = Record<string, unknown>;

function serverPod(name: string, labels: Record<string, string>, probes: { readinessProbe?: Probe; livenessProbe?: Probe }): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [{ name: 'c', image: 'node', command: ['node', '-e', SERVER], ports: [{ containerPort: 8080 }], volumeMounts: [{ name: 'data', mountPath: '/data' }], ...probes }],
    },
  };
}

function sleeperPod(name: string, livenessProbe?: Probe): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'], ...(livenessProbe ? { livenessProbe } : {}) }] },
  };
}

const inService = { group: 'probes' };
const every1s = { periodSeconds: 1 };

/** The manifest: the `probes` Service, its pods, the client and the liveness pods. */
export function probePodsManifest(): string {
  const items = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'probes' }, spec: { selector: inService, ports: [{ port: 80, targetPort: 8080 }] } },
    serverPod('good', inService, {}),
    serverPod('ready-exec', inService, { readinessProbe: { ...every1s, successThreshold: 2, exec: { command: ['test', '-f', '/data/ready'] } } }),
    serverPod('ready-http', inService, { readinessProbe: { ...every1s, failureThreshold: 3, httpGet: { path: '/ready', port: 8080 } } }),
    serverPod('ready-tcp', inService, { readinessProbe: { ...every1s, tcpSocket: { port: 9090 } } }),
    serverPod('ready-grpc', inService, { readinessProbe: { ...every1s, grpc: { port: 50051 } } }),
    serverPod('ready-timeout', inService, { readinessProbe: { ...every1s, timeoutSeconds: 1, exec: { command: ['sh', '-c', 'sleep 3'] } } }),
    serverPod('live-http', {}, { livenessProbe: { ...every1s, failureThreshold: 3, httpGet: { path: '/healthz', port: 8080 } } }),
    sleeperPod('client'),
    sleeperPod('live-exec-delay', { initialDelaySeconds: 4, periodSeconds: 1, failureThreshold: 2, exec: { command: ['false'] } }),
    sleeperPod('live-tcp-period', { periodSeconds: 3, failureThreshold: 2, timeoutSeconds: 1, tcpSocket: { port: 9 } }),
  ];
  return items.map((i) => stringify(i)).join('---\n');
}

export const PROBE_POD_COUNT = 10;

/**
 * What the Service matrix applies in one go: the workloads (an agnhost Deployment spread by the
 * scheduler, pinned pods on each node, a pod that keeps serving while it terminates) and one
 * Service per shape or policy under test.
 */
export const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.53';
export const EXTERNAL_IP = '172.18.0.230';
export const LB_POOL = '172.18.0.245-172.18.0.250';
/** The `requested` Service asks for its ClusterIP and node port instead of having them allocated. */
export const REQUESTED_CLUSTER_IP = '10.96.200.200';
export const REQUESTED_NODE_PORT = 31999;
/** echo-sticky-short's sessionAffinityConfig.clientIP.timeoutSeconds. */
export const AFFINITY_TIMEOUT_SECONDS = 2;
/** The terminating pod's grace period: longer than the suite, `podnet down` ends it anyway. */
export const TERMINATION_GRACE_SECONDS = 300;

const pod = (podName: string, node: string, labels: string, args: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}, labels: {${labels}}}
spec:
  nodeName: ${node}
  containers: [{name: c, image: ${args ? AGNHOST : 'busybox'}, ${args ? `args: [${args}]` : 'command: [sleep, infinity]'}}]
`;

const svc = (svcName: string, spec: string) => `apiVersion: v1
kind: Service
metadata: {name: ${svcName}}
spec: {${spec}}
`;

/**
 * An HTTP server answering netexec's /hostname and /clientip that ignores SIGTERM (as a server
 * draining its connections would): deleted, its pod stays serving and terminating for the whole
 * grace period.
 */
const STUBBORN_SERVER = `
import http.server, signal, socket
signal.signal(signal.SIGTERM, signal.SIG_IGN)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (socket.gethostname() if self.path == '/hostname' else '%s:%d' % self.client_address).encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('', 8080), H).serve_forever()
`;

const stubbornPod = (podName: string, node: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}, labels: {app: term}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: ${TERMINATION_GRACE_SECONDS}
  containers:
  - name: c
    image: python
    command: [/usr/bin/python3, -c]  # not a PATH wrapper (pyenv re-execs with another argv[0])
    args:
    - |${STUBBORN_SERVER.split('\n').map((l) => (l ? `      ${l}` : '')).join('\n')}
`;

const WORKLOADS = [
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: netexec
        image: ${AGNHOST}
        args: [netexec, --http-port=8080, --udp-port=8081]
        ports: [{name: http, containerPort: 8080}, {name: udp, containerPort: 8081, protocol: UDP}]
`,
  // local-web: the only endpoint of the Local-policy and across-node Services, on node2.
  pod('local-web', 'node2', 'app: local', 'netexec, --http-port=8080'),
  pod('client1', 'node1', 'role: client', ''),
  pod('client2', 'node2', 'role: client', ''),
  // term-a will be deleted and keep serving (node2); term-b stays ready until phase 2 (node1).
  stubbornPod('term-a', 'node2'),
  pod('term-b', 'node1', 'app: term', 'netexec, --http-port=8080'),
  `apiVersion: v1
kind: ReplicationController
metadata: {name: rc-web}
spec:
  replicas: 1
  selector: {app: rc-web}
  template:
    metadata: {labels: {app: rc-web}}
    spec: {containers: [{name: c, image: ${AGNHOST}, args: [netexec, --http-port=8080]}]}
`,
];

const SERVICES = [
  svc('echo', 'selector: {app: echo}, ports: [{name: http, port: 80, targetPort: http}, {name: udp, port: 5353, protocol: UDP, targetPort: udp}]'),
  svc('echo-np', 'type: NodePort, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('requested', `type: NodePort, clusterIP: ${REQUESTED_CLUSTER_IP}, selector: {app: echo}, ports: [{port: 80, targetPort: 8080, nodePort: ${REQUESTED_NODE_PORT}}]`),
  svc('echo-lb', 'type: LoadBalancer, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('local-lb', 'type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: local}, ports: [{port: 80, targetPort: 8080}]'),
  svc('fw-lb', 'type: LoadBalancer, loadBalancerSourceRanges: [172.18.0.200/32], selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('echo-headless', 'clusterIP: None, selector: {app: echo}, ports: [{port: 8080}]'),
  svc('echo-ext', `externalIPs: [${EXTERNAL_IP}], selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]`),
  svc('echo-sticky', 'sessionAffinity: ClientIP, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]'),
  svc('echo-sticky-short', `sessionAffinity: ClientIP, sessionAffinityConfig: {clientIP: {timeoutSeconds: ${AFFINITY_TIMEOUT_SECONDS}}}, selector: {app: echo}, ports: [{port: 80, targetPort: 8080}]`),
  svc('empty', 'selector: {app: nothing}, ports: [{port: 80}]'),
  svc('manual', 'ports: [{port: 80, targetPort: 8080}]'),
  svc('echo-sctp', 'selector: {app: echo}, ports: [{port: 9000, protocol: SCTP, targetPort: 8080}]'),
  svc('across', 'selector: {app: local}, ports: [{port: 80, targetPort: 8080}]'),
  svc('itp-local', 'internalTrafficPolicy: Local, selector: {app: local}, ports: [{port: 80, targetPort: 8080}]'),
  svc('term', 'selector: {app: term}, ports: [{port: 80, targetPort: 8080}]'),
  svc('term-local', 'type: NodePort, externalTrafficPolicy: Local, internalTrafficPolicy: Local, selector: {app: term}, ports: [{port: 80, targetPort: 8080}]'),
];

export const MATRIX_MANIFESTS = [...WORKLOADS, ...SERVICES].join('---\n');

/**
 * The sandbox's network as the agent sees it: ADD gives the pod its interfaces and IP, DEL
 * takes them away (and accepts what is already gone). The CNI runtime implements it; tests may
 * pass their own.
 */
import type { Pod } from '../api/types.js';
/** A CNI portMappings capability entry (CONVENTIONS.md): what hostPort asks for. */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** The pod's hostPorts as kubelet hands them to CNI (protocol in lower case). */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const protocol = (p.protocol ?? 'TCP').toLowerCase() as PortMapping['protocol'];
      out.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}

export interface SandboxNetworkRef {
  /** The sandbox id (CNI_CONTAINERID). */
  id: string;
  /** `/run/netns/<netns>`. */
  netnsPath: string;
  namespace: string;
  name: string;
  uid: string;
  /** hostPort mappings, passed as the portMappings capability (ADD and DEL alike). */
  portMappings?: PortMapping[];
}

export interface PodNetwork {
  /** Sets up loopback and eth0 in the sandbox; resolves with the pod IP (no prefix length). */
  setUp(ref: SandboxNetworkRef): Promise<string>;
  /** Tears down what setUp made; succeeds when it is already gone. */
  tearDown(ref: SandboxNetworkRef): Promise<void>;
}

/** CNI_ARGS as Kubernetes runtimes pass them. */
export function k8sCniArgs(ref: SandboxNetworkRef): [string, string][] {
  return [
    ['K8S_POD_NAMESPACE', ref.namespace],
    ['K8S_POD_NAME', ref.name],
    ['K8S_POD_INFRA_CONTAINER_ID', ref.id],
    ['K8S_POD_UID', ref.uid],
  ];
}

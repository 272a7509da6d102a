/**
 * The Node object the agent registers and keeps fresh, as kubelet's registerWithAPIServer and
 * node status updates: labels, addresses, capacity, nodeInfo, and the Ready condition whose
 * lastHeartbeatTime it refreshes every ~10 s.
 */
import { cpus, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Node, NodeCondition, NodeStatus } from '../api/types.js';

export const KUBELET_VERSION = 'v1.32.0';
export const RUNTIME_VERSION = 'podnet://0.1.0';

export interface NodeInfoInput {
  nodeName: string;
  nodeIP: string;
  cpus?: number;
  memoryBytes?: number;
  kernelVersion?: string;
  osImage?: string;
}

/** PRETTY_NAME of /etc/os-release, as kubelet reports osImage. */
export function hostOsImage(osRelease = safeRead('/etc/os-release')): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease);
  return m ? m[1] : 'Linux';
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function nodeLabels(nodeName: string): Record<string, string> {
  return {
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
  };
}

function conditions(old: NodeCondition[] | undefined, now: string): NodeCondition[] {
  const make = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = old?.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime };
  };
  return [
    make('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The node status the agent reports now; lastTransitionTime kept from `old` while unchanged. */
export function nodeStatus(input: NodeInfoInput, old: NodeStatus | undefined, now: string): NodeStatus {
  const capacity = {
    cpu: String(input.cpus ?? cpus().length),
    memory: `${Math.floor((input.memoryBytes ?? totalmem()) / 1024)}Ki`,
    pods: '110',
    'ephemeral-storage': '10Gi',
  };
  return {
    ...(old ?? {}),
    capacity,
    allocatable: capacity,
    addresses: [
      { type: 'InternalIP', address: input.nodeIP },
      { type: 'Hostname', address: input.nodeName },
    ],
    conditions: conditions(old?.conditions, now),
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: input.kernelVersion ?? release(),
      osImage: input.osImage ?? hostOsImage(),
      containerRuntimeVersion: RUNTIME_VERSION,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** A new Node object for registration. */
export function newNode(input: NodeInfoInput, now: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: input.nodeName, labels: nodeLabels(input.nodeName) },
    spec: {},
    status: nodeStatus(input, undefined, now),
  };
}

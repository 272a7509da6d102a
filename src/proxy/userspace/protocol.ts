/**
 * Messages between the userspace proxier (in the agent, host netns) and its socket process (in
 * the node's netns, where the proxy ports must listen): Node cannot setns, so the listening
 * sockets live in a child started with `ip netns exec`, fed over the IPC channel.
 */

/** One service port the socket process serves: its endpoints and affinity. */
export interface ServicePortSpec {
  /** `ns/svc/proto/portName` (endpointsKey). */
  key: string;
  protocol: 'tcp' | 'udp';
  /** `ip:port` of each usable endpoint. */
  endpoints: string[];
  /** ClientIP affinity timeout in seconds; 0 = none. */
  stickyMaxAgeSeconds: number;
}

export interface SyncRequest {
  type: 'sync';
  id: number;
  servicePorts: ServicePortSpec[];
}

export type ChildMessage =
  | { type: 'ready' }
  /** The proxy port of every service port in the request. */
  | { type: 'synced'; id: number; proxyPorts: Record<string, number> }
  | { type: 'error'; id: number; message: string };

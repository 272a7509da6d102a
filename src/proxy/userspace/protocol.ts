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
  /**
   * The node port to hold open on every address (upstream claimNodePort: a socket on the port
   * itself keeps anything else from taking it; the portal rules still redirect it). 0/absent: none.
   */
  nodePort?: number;
}

/** What a sync answers: the proxy port of every service port it serves, and what it could not open. */
export interface SyncResult {
  proxyPorts: Record<string, number>;
  /** key → why its proxy socket could not be opened (e.g. EMFILE): that service port is not served. */
  socketErrors: Record<string, string>;
  /** key → why its node port could not be opened (e.g. EADDRINUSE). */
  nodePortErrors: Record<string, string>;
}

export interface SyncRequest {
  type: 'sync';
  id: number;
  servicePorts: ServicePortSpec[];
}

export type ChildMessage =
  | { type: 'ready' }
  | ({ type: 'synced'; id: number } & SyncResult)
  | { type: 'error'; id: number; message: string };

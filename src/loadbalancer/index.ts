/**
 * Load balancers for Services of type LoadBalancer (MetalLB-style layer 2) and kube-proxy's
 * service health checks. The controller runs in the control plane (startControllers); the node
 * part (speaker + health check listeners) runs in each node agent.
 */
import type { Client } from '../client/client.js';
import { startHealthCheckServer, type ProxyHealthSource } from './health-check.js';
import { startSpeaker } from './speaker.js';

export { ServiceLBController, LOAD_BALANCER_CLASS, type ServiceLBOptions } from './service-lb-controller.js';
export { IPPool, DEFAULT_LB_POOL } from './pool.js';
export { electedNode, electFor, candidateNodes, nodeQualifies, addressesToAnnounce, announcedIPs, EXCLUDE_LB_LABEL, TO_BE_DELETED_TAINT } from './election.js';
export { sendGratuitousArp, announceTakeover, GARP_REPEAT_MS } from './gratuitous-arp.js';
export { startSpeaker, type Speaker, type SpeakerOptions } from './speaker.js';
export { startHealthCheckServer, desiredHealthChecks, localReadyEndpoints, type HealthCheckServer, type ProxyHealthSource } from './health-check.js';
export { healthResponse, type ServiceHealth, type HealthResponse } from './health-response.js';

export interface NodeLoadBalancerOptions {
  client: Client;
  nodeName: string;
  netns: string;
  nodeIP: string;
  /** The node's proxy health (startProxy's `health`), for serviceProxyHealthy. */
  proxyHealth?: ProxyHealthSource;
}

/** Starts the node's speaker and health check server; stop() ends both. */
export async function startNodeLoadBalancer(opts: NodeLoadBalancerOptions): Promise<{ stop(): Promise<void> }> {
  const speaker = await startSpeaker(opts);
  const health = await startHealthCheckServer(opts).catch(async (e) => {
    await speaker.stop();
    throw e;
  });
  return {
    async stop() {
      await health.stop();
      await speaker.stop();
    },
  };
}

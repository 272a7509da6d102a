/**
 * kube-controller-manager and kube-scheduler in one call: every controller, sharing one set of
 * informers.
 */
import type { Client } from '../client/client.js';
import { DaemonSetController } from './daemonset-controller.js';
import { DeploymentController } from './deployment-controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
import { GarbageCollector } from './garbage-collector.js';
import { NodeIpamController } from './node-ipam-controller.js';
import { PodGCController } from './pod-gc.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { ReplicationManager } from './replication-controller.js';
import { Scheduler } from './scheduler.js';
import { SharedInformers } from './shared-informers.js';
import { ServiceLBController } from '../loadbalancer/service-lb-controller.js';

export { DaemonSetController } from './daemonset-controller.js';
export { DeploymentController } from './deployment-controller.js';
export { EndpointsController } from './endpoints-controller.js';
export { EndpointSliceController } from './endpointslice-controller.js';
export { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
export { GarbageCollector } from './garbage-collector.js';
export { NodeIpamController } from './node-ipam-controller.js';
export { PodGCController } from './pod-gc.js';
export { ReplicaSetController } from './replicaset-controller.js';
export { ReplicationManager } from './replication-controller.js';
export { Scheduler } from './scheduler.js';
export { SharedInformers } from './shared-informers.js';

export interface ControllersOptions {
  /** Cluster CIDR for node IPAM (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** Size of each node's pod CIDR (default 24). */
  nodeCIDRMaskSize?: number;
  /** How long a node must be gone before the pod GC force-deletes its pods (default 40 s). */
  podGCQuarantineMs?: number;
  /** LoadBalancer address pool (ranges, CIDRs; default 172.18.0.240-172.18.0.250). */
  lbPool?: string;
  /**
   * kube-controller-manager's --allocate-node-cidrs (default true): false leaves Nodes without
   * spec.podCIDR, as Calico clusters run it (Calico's IPAM hands out blocks instead).
   */
  allocateNodeCIDRs?: boolean;
}

/** Starts all controllers; resolves once their caches are synced and the first syncs queued. */
export async function startControllers(client: Client, opts: ControllersOptions = {}): Promise<{ stop(): void }> {
  const informers = new SharedInformers(client);
  const controllers = [
    ...(opts.allocateNodeCIDRs === false ? [] : [new NodeIpamController(client, { informers, clusterCIDR: opts.clusterCIDR, nodeCIDRMaskSize: opts.nodeCIDRMaskSize })]),
    new Scheduler(client, { informers }),
    new DeploymentController(client, { informers }),
    new ReplicaSetController(client, { informers }),
    new ReplicationManager(client, { informers }),
    new DaemonSetController(client, { informers }),
    new EndpointSliceController(client, { informers }),
    new EndpointsController(client, { informers }),
    new EndpointSliceMirroringController(client, { informers }),
    new GarbageCollector(client, { informers }),
    new PodGCController(client, { informers, quarantineMs: opts.podGCQuarantineMs }),
    new ServiceLBController(client, { informers, pool: opts.lbPool }),
  ];
  const stop = () => {
    for (const c of controllers) c.stop();
    informers.stop();
  };
  try {
    await Promise.all(controllers.map((c) => c.start()));
  } catch (e) {
    stop();
    throw e;
  }
  return { stop };
}

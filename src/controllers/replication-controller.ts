/**
 * The ReplicationController controller, upstream's ReplicationManager: the ReplicaSet
 * controller run over core/v1 ReplicationControllers. Its selector is a plain label map (the
 * apiserver defaults it to the template's labels); pods get a controller reference of kind
 * ReplicationController; status is the ReplicaSet's (replicas, fullyLabeledReplicas,
 * readyReplicas, availableReplicas, observedGeneration).
 */
import type { ReplicaSet, ReplicationController } from '../api/types.js';
import type { Client } from '../client/client.js';
import type { ControllerOptions } from './base-controller.js';
import { mapSelectorMatches } from './labels.js';
import { type ReplicaKind, ReplicaSetController } from './replicaset-controller.js';

/** The selector of an RC; absent = its template's labels, as SetDefaults_ReplicationController. */
export function rcSelector(rc: ReplicationController): Record<string, string> {
  const sel = rc.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : (rc.spec?.template?.metadata?.labels ?? {});
}

const asRC = (o: ReplicaSet): ReplicationController => o as unknown as ReplicationController;

export const REPLICATION_CONTROLLER: ReplicaKind = {
  plural: 'replicationcontrollers',
  kind: 'ReplicationController',
  apiVersion: 'v1',
  controllerName: 'replication-controller',
  selects: (rc, labels) => mapSelectorMatches(rcSelector(asRC(rc)), labels),
  canAdopt: (rc) => Object.keys(rcSelector(asRC(rc))).length > 0,
};

export class ReplicationManager extends ReplicaSetController {
  constructor(client: Client, opts: ControllerOptions = {}) {
    super(client, opts, REPLICATION_CONTROLLER);
  }
}

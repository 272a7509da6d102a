/**
 * An event recorder, as client-go's record.EventRecorder: controllers say what they decided
 * (Scheduled, SuccessfulCreate, ScalingReplicaSet, ...) as core/v1 Events, so that `kubectl
 * describe` and `kubectl get events` explain the cluster. Recording never fails a sync.
 */
import type { Event, KubeObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import { metaNow } from './owners.js';

export interface EventRecorder {
  /** `kind`/`apiVersion` are passed because informer objects usually lack them. */
  event(obj: KubeObject, ref: { kind: string; apiVersion: string }, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export const noEvents: EventRecorder = { event: () => undefined };

export function eventRecorder(client: Client, component: string): EventRecorder {
  let seq = 0;
  return {
    event(obj, ref, type, reason, message) {
      const m = obj.metadata ?? {};
      const now = metaNow();
      // Unique per process and time, in the `<object>.<hex>` form upstream uses.
      const suffix = (Date.now() * 1000 + (seq++ % 1000)).toString(16);
      const ev: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${m.name}.${suffix}`, namespace: m.namespace ?? 'default' },
        involvedObject: { kind: ref.kind, apiVersion: ref.apiVersion, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
        reason,
        message,
        type,
        source: { component },
        reportingComponent: component,
        reportingInstance: component,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      client.create('events', ev.metadata?.namespace, ev).catch((e: unknown) => {
        console.error(`${component}: Cannot record event ${reason} for ${m.namespace ?? ''}/${m.name}: ${e instanceof Error ? e.message : String(e)}`);
      });
    },
  };
}

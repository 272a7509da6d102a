/**
 * Pod events as kubelet records them (source component "kubelet", host = node): Pulled,
 * Created, Started, Killing, BackOff, Failed, Unhealthy, SandboxChanged. Fire-and-forget: an
 * event that cannot be written is dropped, never failing a sync. A repeat of the same event
 * bumps its count, as client-go's event correlator does.
 */
import { randomBytes } from 'node:crypto';
import type { Event, Pod } from '../api/types.js';
import type { Client } from '../client/client.js';

export type EventType = 'Normal' | 'Warning';

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

export interface EventSink {
  /** Records an event about `pod` (and, when given, one of its containers). */
  record(pod: PodRef, type: EventType, reason: string, message: string, container?: string): void;
}

export const podRef = (pod: Pod): PodRef => ({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' });

/** The Event object kubelet would post (count 1). */
export function newEvent(pod: PodRef, node: string, type: EventType, reason: string, message: string, container: string | undefined, now: string): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${pod.name}.${randomBytes(8).toString('hex')}`, namespace: pod.namespace },
    involvedObject: {
      apiVersion: 'v1', kind: 'Pod', name: pod.name, namespace: pod.namespace, uid: pod.uid,
      ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
    },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
    source: { component: 'kubelet', host: node },
    reportingComponent: 'kubelet',
    reportingInstance: node,
  };
}

const MAX_REMEMBERED = 4096;
const REPEAT_INTERVAL_MS = 10_000;

export class EventRecorder implements EventSink {
  /** (pod uid, container, reason, message) → the event written for it, to bump its count. */
  private readonly seen = new Map<string, { name: string; namespace: string; count: number; last: number; chain: Promise<void> }>();

  constructor(
    private readonly client: Client,
    private readonly node: string,
  ) {}

  record(pod: PodRef, type: EventType, reason: string, message: string, container?: string): void {
    const key = `${pod.uid}\0${container ?? ''}\0${reason}\0${message}`;
    const now = new Date().toISOString();
    const prev = this.seen.get(key);
    if (prev) {
      // Syncs run every second; a repeating event is counted at most every 10 s.
      if (Date.now() - prev.last < REPEAT_INTERVAL_MS) return;
      prev.last = Date.now();
      prev.count++;
      const count = prev.count;
      prev.chain = prev.chain.then(() =>
        this.client.patch('events', prev.namespace, prev.name, { count, lastTimestamp: now }).then(() => undefined, () => undefined),
      );
      return;
    }
    const ev = newEvent(pod, this.node, type, reason, message, container, now);
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
    const chain = this.client.create('events', pod.namespace, ev).then(() => undefined, () => undefined);
    this.seen.set(key, { name: ev.metadata!.name!, namespace: pod.namespace, count: 1, last: Date.now(), chain });
  }

  /** Forgets a pod's events (it is gone). */
  forget(uid: string): void {
    for (const k of this.seen.keys()) if (k.startsWith(`${uid}\0`)) this.seen.delete(k);
  }
}

/**
 * How one container shows in the pod status (containerStatuses[]): image as the runtime
 * reports it, containerID `podnet://<id>`, state and lastState from the agent's records.
 */
import type { Container } from '../api/types.js';
import { builtinImageFor } from '../images/builtin.js';
import { normalizeImage } from '../images/image-ref.js';
import type { ContainerAttempt, ContainerStateFile, TerminatedRecord } from './container-runtime.js';
import type { ContainerView } from './pod-status.js';

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** The fully qualified image (`docker.io/library/httpd:latest`), or the reference as written. */
export function imageOf(c: Container): string {
  try {
    return normalizeImage(c.image ?? '');
  } catch {
    return c.image ?? '';
  }
}

export function terminatedState(t: TerminatedRecord) {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    ...(t.signal ? { signal: SIGNAL_NUMBERS[t.signal] ?? 0 } : {}),
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    containerID: `podnet://${t.id}`,
  };
}

/** Everything but the current state: name, image, restartCount, lastState. */
export function baseView(c: Container, s: ContainerStateFile): Omit<ContainerView, 'state'> {
  const builtin = builtinImageFor(c.image ?? '');
  return {
    name: c.name,
    image: imageOf(c),
    imageID: builtin ? `podnet://builtin/${builtin}` : '',
    restartCount: s.restartCount,
    ...(s.lastTermination ? { lastState: { terminated: terminatedState(s.lastTermination) } } : {}),
  };
}

export function runningView(c: Container, s: ContainerStateFile, a: ContainerAttempt): ContainerView {
  return { ...baseView(c, s), containerID: `podnet://${a.id}`, state: { running: { startedAt: a.startedAt } } };
}

export function terminatedView(c: Container, s: ContainerStateFile, t: TerminatedRecord): ContainerView {
  return { ...baseView(c, s), containerID: `podnet://${t.id}`, state: { terminated: terminatedState(t) } };
}

export function waitingView(c: Container, s: ContainerStateFile, reason: string, message?: string): ContainerView {
  return { ...baseView(c, s), state: { waiting: { reason, ...(message ? { message } : {}) } } };
}

/** kubelet's pod reference in messages: `<name>_<namespace>(<uid>)`. */
export const podRefText = (pod: { metadata?: { name?: string; namespace?: string; uid?: string } }) =>
  `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

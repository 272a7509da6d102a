/**
 * Init containers, as kubelet runs them: one at a time, in order, each to successful
 * completion before the next (a failure is retried with back-off, or fails the pod under
 * restartPolicy Never); a sidecar (restartPolicy Always) only has to be running (and started,
 * when it has a startup probe), and its readiness counts for the pod's. App
 * containers start once all are done.
 */
import type { Container, Pod } from '../api/types.js';
import { type ContainerSyncDeps, syncContainer } from './container-sync.js';
import type { ContainerView } from './pod-status.js';
import type { SandboxRecord } from './sandbox.js';
import { normalizeImage } from '../images/image-ref.js';

export interface InitResult {
  views: ContainerView[];
  /** All init containers completed (sidecars running). */
  done: boolean;
  /** One failed for good (restartPolicy Never): the pod fails. */
  failed: boolean;
  resyncAfterMs?: number;
}

function withPolicy(pod: Pod, policy: string): Pod {
  return { ...pod, spec: { ...pod.spec!, restartPolicy: policy } };
}

/** The view of a container not started yet because an earlier step is not done. */
export function pendingView(c: Container, reason = 'PodInitializing'): ContainerView {
  let image = c.image ?? '';
  try {
    image = normalizeImage(image);
  } catch {
    /* shown as written */
  }
  return { name: c.name, image, imageID: '', restartCount: 0, state: { waiting: { reason } } };
}

export async function syncInitContainers(pod: Pod, podDir: string, sandbox: SandboxRecord, deps: ContainerSyncDeps): Promise<InitResult> {
  const inits = pod.spec?.initContainers ?? [];
  const views: ContainerView[] = [];
  const never = pod.spec?.restartPolicy === 'Never';
  for (const [i, c] of inits.entries()) {
    const sidecar = c.restartPolicy === 'Always';
    const policy = sidecar ? 'Always' : never ? 'Never' : 'OnFailure';
    const r = await syncContainer(withPolicy(pod, policy), c, podDir, sandbox, deps);
    views.push(r.view);
    const term = r.view.state.terminated;
    // A sidecar with a startup probe lets the next one start only once started (kubelet).
    const stepDone = sidecar ? !!r.view.state.running && r.view.started !== false : term?.exitCode === 0;
    if (stepDone) continue;
    const failed = !sidecar && !!term && never;
    const rest = inits.slice(i + 1).map((x) => pendingView(x, 'PodInitializing'));
    return { views: [...views, ...rest], done: false, failed, resyncAfterMs: r.resyncAfterMs };
  }
  return { views, done: true, failed: false };
}

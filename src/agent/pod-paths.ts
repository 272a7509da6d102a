/**
 * Where the agent keeps each pod's state on disk (docs/layout.md): everything a restarted agent
 * or `podnet exec` needs to find a sandbox and its containers.
 */
import { join } from 'node:path';

export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export const podsRoot = (nodeRoot: string) => join(nodeRoot, 'pods');
export const podDir = (nodeRoot: string, uid: string) => join(nodeRoot, 'pods', uid);
export const sandboxFile = (podDir: string) => join(podDir, 'sandbox.json');
export const serviceAccountDir = (podDir: string) => join(podDir, 'serviceaccount');
export const containerDir = (podDir: string, name: string) => join(podDir, 'containers', name);

/** The files one container's shim and the agent share. */
export function containerFiles(dir: string) {
  return {
    pid: join(dir, 'pid'),
    shimPid: join(dir, 'shim.pid'),
    state: join(dir, 'state.json'),
    exit: join(dir, 'exit.json'),
    spec: join(dir, 'shim.json'),
    log: join(dir, '0.log'),
  };
}

/** `/etc/netns/<netns>`: what `ip netns exec` bind-mounts over /etc. */
export const etcNetnsDir = (netns: string) => join('/etc/netns', netns);

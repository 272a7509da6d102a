/**
 * PodNetwork through the CNI runtime, as containerd's CRI plugin does it: loopback first (an
 * inline config), then the node's conflist on eth0 with the K8S_* CNI_ARGS; DEL in reverse.
 * The plugins are podnet's thin shims, which hand each call to the agent's CNI server. At
 * start the agent garbage-collects attachments whose sandboxes are gone (gcCniNetwork).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheKey } from '../cni/result-cache.js';
import { CniRuntime, type RuntimeConf } from '../cni/runtime.js';
import { podDir, podsRoot } from './pod-paths.js';
import { type PodNetwork, type SandboxNetworkRef, k8sCniArgs } from './pod-network.js';
import { readSandbox } from './sandbox.js';

export interface CniNetworkOptions {
  nodeRoot: string;
  repoRoot: string;
  nodeNetns: string;
}

function runtimeConf(ref: SandboxNetworkRef): RuntimeConf {
  return {
    containerId: ref.id, netns: ref.netnsPath, ifName: 'eth0', args: k8sCniArgs(ref),
    ...(ref.portMappings?.length ? { capabilityArgs: { portMappings: ref.portMappings } } : {}),
  };
}

function nodeCniRuntime(o: CniNetworkOptions): CniRuntime {
  return new CniRuntime({
    confDir: join(o.nodeRoot, 'cni', 'net.d'),
    binDirs: [join(o.repoRoot, 'bin', 'cni')],
    cacheDir: join(o.nodeRoot, 'cni', 'results'),
    hostNetns: o.nodeNetns,
    env: { PODNET_CNI_SOCKET: join(o.nodeRoot, 'agent.sock') },
    // podnet's own shims: the same request to the same socket without sh + curl per plugin
    // (about 13 ms each here); any other plugin in the conflist is still exec'd.
    directShims: true,
  });
}

/** The CNI attachments the agent still owns: every sandbox recorded under `<nodeRoot>/pods/`. */
export async function recordedAttachments(nodeRoot: string): Promise<Array<{ containerId: string; ifName: string }>> {
  const out: Array<{ containerId: string; ifName: string }> = [];
  for (const uid of await readdir(podsRoot(nodeRoot)).catch(() => [] as string[])) {
    const rec = await readSandbox(podDir(nodeRoot, uid));
    if (rec && !rec.hostNetwork) out.push({ containerId: rec.id, ifName: 'eth0' });
  }
  return out;
}

/**
 * CNI GC at agent start (libcni GCNetworkList, as container runtimes run it for the sandboxes
 * they no longer know): DEL every cached attachment whose sandbox has no record any more (a
 * sandbox removed while the agent was down, or lost to a kill -9), releasing its IP; with a
 * 1.1.0 conflist the plugins also GC what has no cache entry. Only recorded sandboxes count
 * as valid, so it must run before any pod sync starts (the spec forbids GC alongside ADD/DEL).
 */
export async function gcCniNetwork(o: CniNetworkOptions): Promise<CacheKey[]> {
  return nodeCniRuntime(o).gcNetwork(await recordedAttachments(o.nodeRoot));
}

export function createCniNetwork(o: CniNetworkOptions): PodNetwork {
  const rt = nodeCniRuntime(o);
  const tearDown = async (ref: SandboxNetworkRef) => {
    const conf = runtimeConf(ref);
    await rt.delNetwork(conf);
    await rt.delLoopback({ containerId: conf.containerId, netns: conf.netns, args: conf.args, ifName: 'lo' });
  };
  return {
    async setUp(ref) {
      const conf = runtimeConf(ref);
      try {
        await rt.addLoopback({ containerId: conf.containerId, netns: conf.netns, args: conf.args, ifName: 'lo' });
        const result = await rt.addNetwork(conf);
        const ip = result.ips?.find((x) => !x.address.includes(':'))?.address ?? result.ips?.[0]?.address;
        if (!ip) throw new Error(`agent: CNI ADD for sandbox ${ref.id.slice(0, 12)} returned no IP`);
        return ip.split('/')[0];
      } catch (e) {
        // libcni does not roll back a failed ADD: DEL releases whatever was allocated.
        await tearDown(ref).catch(() => undefined);
        throw e;
      }
    },
    tearDown,
  };
}

/**
 * PodNetwork through the CNI runtime, as containerd's CRI plugin does it: loopback first (an
 * inline config), then the node's conflist on eth0 with the K8S_* CNI_ARGS; DEL in reverse.
 * The plugins are podnet's thin shims, which hand each call to the agent's CNI server.
 */
import { join } from 'node:path';
import { CniRuntime, type RuntimeConf } from '../cni/runtime.js';
import { type PodNetwork, type SandboxNetworkRef, k8sCniArgs } from './pod-network.js';

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

export function createCniNetwork(o: CniNetworkOptions): PodNetwork {
  const rt = new CniRuntime({
    confDir: join(o.nodeRoot, 'cni', 'net.d'),
    binDirs: [join(o.repoRoot, 'bin', 'cni')],
    cacheDir: join(o.nodeRoot, 'cni', 'results'),
    hostNetns: o.nodeNetns,
    env: { PODNET_CNI_SOCKET: join(o.nodeRoot, 'agent.sock') },
  });
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

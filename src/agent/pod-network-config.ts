/**
 * The node's pod network set-up before the first pod, per `network`: flannel waits for the
 * node's spec.podCIDR and writes the bridge conflist; calico writes Calico's conflist at once
 * and makes sure the node has a default route, since proxy ARP (which answers the pods'
 * 169.254.1.1) replies only for a destination routed through another interface — on a real
 * node the default route does that; podnet's node namespaces have none of their own.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ip } from '../dataplane/exec.js';
import { writeCalicoCniConfig, writeCniConfig } from './cni-config.js';
import { waitForPodCIDR } from './node-registration.js';
import type { ResolvedAgentOptions } from './options.js';

/** Adds `default dev eth0` in the node netns unless it has a default route already. */
export async function ensureNodeDefaultRoute(nodeNetns: string, dev = 'eth0'): Promise<boolean> {
  const routes = JSON.parse((await ip(nodeNetns, ['-j', 'route', 'show', 'default'])) || '[]') as unknown[];
  if (routes.length > 0) return false;
  await ip(nodeNetns, ['route', 'add', 'default', 'dev', dev]).catch((e: unknown) => {
    throw new Error(`agent: Cannot add the default route of node netns "${nodeNetns}" (proxy ARP for the pods' 169.254.1.1 needs one): ${(e as Error).message}`);
  });
  return true;
}

export async function writePodNetworkConfig(o: ResolvedAgentOptions, signal: AbortSignal): Promise<void> {
  const confDir = join(o.nodeRoot, 'cni', 'net.d');
  const portmap = existsSync(join(o.repoRoot, 'bin', 'cni', 'portmap'));
  if (o.network === 'calico') {
    await ensureNodeDefaultRoute(o.nodeNetns);
    await writeCalicoCniConfig(confDir, { nodeName: o.nodeName, pool: o.clusterCIDR ?? '10.244.0.0/16', portmap });
    return;
  }
  const cidr = await waitForPodCIDR(o.client, o.nodeName, signal);
  await writeCniConfig(confDir, { podCIDR: cidr, dataDir: join(o.nodeRoot, 'cni', 'networks'), portmap });
}

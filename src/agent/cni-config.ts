/**
 * The CNI network configuration list the agent writes, as a network's install-cni step does:
 * flannel's (the bridge plugin on cni0 with host-local over the node's pod CIDR, once the node
 * has one) or Calico's (`10-calico.conflist`: calico with calico-ipam over the cluster CIDR,
 * written at once: Calico nodes have no spec.podCIDR). Writing one removes the other, since
 * the runtime takes the first conflist by name.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CNI_CONFLIST_NAME = '10-podnet.conflist';
export const CALICO_CONFLIST_NAME = '10-calico.conflist';

export interface CniConfigInput {
  podCIDR: string;
  /** host-local's store: `<nodeRoot>/cni/networks`. */
  dataDir: string;
  mtu?: number;
  /** Chain the portmap plugin (hostPort), when the node has one. */
  portmap?: boolean;
}

/**
 * The conflist object (stable key order, so the file text is deterministic). cniVersion 1.1.0,
 * as Calico's, so the agent's start-up GC reaches the plugins: host-local frees a reservation
 * with no valid attachment (an ADD killed before its result was cached), portmap drops chains.
 */
export function renderCniConfig(input: CniConfigInput): Record<string, unknown> {
  return {
    cniVersion: '1.1.0',
    name: 'cbr0',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        isDefaultGateway: true,
        hairpinMode: true,
        ipMasq: false,
        mtu: input.mtu ?? 1450,
        ipam: { type: 'host-local', ranges: [[{ subnet: input.podCIDR }]], dataDir: input.dataDir },
      },
      // As flannel's default conflist: hostPort through the portMappings capability.
      ...(input.portmap ? [{ type: 'portmap', capabilities: { portMappings: true } }] : []),
    ],
  };
}

export interface CalicoCniConfigInput {
  nodeName: string;
  /** The IP pool (the cluster CIDR). */
  pool: string;
  /** Default 1500: no encapsulation in BGP mode. */
  mtu?: number;
  portmap?: boolean;
}

/**
 * Calico's conflist as its install-cni writes it for the Kubernetes datastore, at cniVersion
 * 1.1.0 so that the agent's GC reaches calico-ipam: an address taken by an ADD whose result
 * never reached the cache (agent killed mid-ADD) is freed at the next agent start.
 */
export function renderCalicoCniConfig(input: CalicoCniConfigInput): Record<string, unknown> {
  return {
    name: 'k8s-pod-network',
    cniVersion: '1.1.0',
    plugins: [
      {
        type: 'calico',
        datastore_type: 'kubernetes',
        nodename: input.nodeName,
        mtu: input.mtu ?? 1500,
        ipam: { type: 'calico-ipam', ipv4_pools: [input.pool] },
      },
      ...(input.portmap ? [{ type: 'portmap', snat: true, capabilities: { portMappings: true } }] : []),
    ],
  };
}

async function writeConfList(confDir: string, name: string, other: string, conf: Record<string, unknown>): Promise<string> {
  await mkdir(confDir, { recursive: true });
  await rm(join(confDir, other), { force: true });
  const path = join(confDir, name);
  const text = JSON.stringify(conf, null, 2) + '\n';
  const old = await readFile(path, 'utf8').catch(() => '');
  if (old !== text) {
    await writeFile(path + '.tmp', text);
    await rename(path + '.tmp', path);
  }
  return path;
}

/** Writes `<confDir>/10-podnet.conflist` atomically, only when its content changes. */
export function writeCniConfig(confDir: string, input: CniConfigInput): Promise<string> {
  return writeConfList(confDir, CNI_CONFLIST_NAME, CALICO_CONFLIST_NAME, renderCniConfig(input));
}

/** Writes `<confDir>/10-calico.conflist` atomically, only when its content changes. */
export function writeCalicoCniConfig(confDir: string, input: CalicoCniConfigInput): Promise<string> {
  return writeConfList(confDir, CALICO_CONFLIST_NAME, CNI_CONFLIST_NAME, renderCalicoCniConfig(input));
}

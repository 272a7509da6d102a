/**
 * The CNI network configuration list the agent writes once its node has a pod CIDR, as flannel's
 * install-cni step does: the bridge plugin on cni0 with host-local IPAM over the node's range.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CNI_CONFLIST_NAME = '10-podnet.conflist';

export interface CniConfigInput {
  podCIDR: string;
  /** host-local's store: `<nodeRoot>/cni/networks`. */
  dataDir: string;
  mtu?: number;
  /** Chain the portmap plugin (hostPort), when the node has one. */
  portmap?: boolean;
}

/** The conflist object (stable key order, so the file text is deterministic). */
export function renderCniConfig(input: CniConfigInput): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
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

/** Writes `<confDir>/10-podnet.conflist` atomically, only when its content changes. */
export async function writeCniConfig(confDir: string, input: CniConfigInput): Promise<string> {
  await mkdir(confDir, { recursive: true });
  const path = join(confDir, CNI_CONFLIST_NAME);
  const text = JSON.stringify(renderCniConfig(input), null, 2) + '\n';
  const old = await readFile(path, 'utf8').catch(() => '');
  if (old !== text) {
    await writeFile(path + '.tmp', text);
    await rename(path + '.tmp', path);
  }
  return path;
}

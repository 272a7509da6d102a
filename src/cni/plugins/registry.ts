/**
 * podnet's built-in plugins by type, and the in-process IPAM delegate the CNI server uses:
 * a built-in IPAM type is called directly (no process), any other is exec'd from CNI_PATH.
 */
import { type IpamDelegate, execIpam, ipamType } from '../ipam/delegate.js';
import { findInPath } from '../invoke.js';
import { isPodnetShim } from '../server-client.js';
import { hostLocal } from '../ipam/host-local.js';
import type { CniPlugin } from '../skel.js';
import { bridge } from './bridge.js';
import { calico } from './calico.js';
import { calicoIpam } from './calico-ipam.js';
import { loopback } from './loopback.js';
import { portmap } from './portmap.js';
import { ptp } from './ptp.js';

export const PLUGINS: Readonly<Record<string, CniPlugin>> = {
  bridge,
  calico,
  'calico-ipam': calicoIpam,
  'host-local': hostLocal,
  loopback,
  portmap,
  ptp,
};

export function pluginFor(type: string): CniPlugin | undefined {
  return Object.hasOwn(PLUGINS, type) ? PLUGINS[type] : undefined;
}

const BUILTIN_IPAM = ['host-local', 'calico-ipam'];

export const inProcessIpam: IpamDelegate = async (command, conf, args, ctx) => {
  const type = ipamType(conf);
  if (!BUILTIN_IPAM.includes(type)) return execIpam(command, conf, args, ctx);
  const plugin = PLUGINS[type];
  const sub = { ...args, command };
  if (command === 'ADD') return plugin.add(conf, sub, ctx);
  if (command === 'DEL') await plugin.del(conf, sub, ctx);
  else if (command === 'GC') await plugin.gc?.(conf, sub, ctx);
  else if (command === 'STATUS') await plugin.status?.(conf, sub, ctx);
  else await plugin.check(conf, sub, ctx);
  return undefined;
};

/**
 * The standalone plugin's IPAM delegate: when the IPAM binary CNI_PATH names is podnet's own
 * shim (which, without PODNET_CNI_SOCKET, would only run this same code in a new Node process
 * in this same netns), call it in-process, saving a Node start (~0.3 s); any other binary is
 * exec'd as the spec says.
 */
export const standaloneIpam: IpamDelegate = async (command, conf, args, ctx) => {
  const type = ipamType(conf);
  const bin = BUILTIN_IPAM.includes(type) ? await findInPath(type, args.path).catch(() => undefined) : undefined;
  if (bin && (await isPodnetShim(bin))) return inProcessIpam(command, conf, args, ctx);
  return execIpam(command, conf, args, ctx);
};

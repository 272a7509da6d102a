/**
 * podnet's built-in plugins by type, and the in-process IPAM delegate the CNI server uses:
 * a built-in IPAM type is called directly (no process), any other is exec'd from CNI_PATH.
 */
import { type IpamDelegate, execIpam, ipamType } from '../ipam/delegate.js';
import { hostLocal } from '../ipam/host-local.js';
import type { CniPlugin } from '../skel.js';
import { bridge } from './bridge.js';
import { loopback } from './loopback.js';
import { portmap } from './portmap.js';
import { ptp } from './ptp.js';

export const PLUGINS: Readonly<Record<string, CniPlugin>> = {
  bridge,
  'host-local': hostLocal,
  loopback,
  portmap,
  ptp,
};

export function pluginFor(type: string): CniPlugin | undefined {
  return Object.hasOwn(PLUGINS, type) ? PLUGINS[type] : undefined;
}

const BUILTIN_IPAM = ['host-local'];

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

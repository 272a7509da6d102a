/**
 * loopback: `lo` up in the pod (ADD), down again (DEL, which succeeds when the netns is gone).
 * Chained, it passes prevResult through; alone it reports lo and its addresses.
 */
import { PLUGIN_VERSION_INFO } from '../version.js';
import { isNotFound } from '../../dataplane/exec.js';
import { nsIp, pathExists, podNsTarget } from '../ns.js';
import type { CniPlugin } from '../skel.js';
import { CniError, CniErrorCode, type CniIPConfig } from '../types.js';
import { getLink } from '../ip/link.js';

const noNetns = (path: string): CniError => new CniError(CniErrorCode.InvalidNetns, `loopback: failed to open netns ${JSON.stringify(path)}`);

export const loopback: CniPlugin = {
  type: 'loopback',
  version: PLUGIN_VERSION_INFO,

  async add(conf, args) {
    if (!(await pathExists(args.netns))) throw noNetns(args.netns);
    const pod = podNsTarget(args.netns);
    await nsIp(pod, ['link', 'set', 'lo', 'up']);
    if (conf.prevResult) return { ...conf.prevResult, cniVersion: conf.cniVersion };
    const lo = await getLink(pod, 'lo');
    const ips: CniIPConfig[] = (lo?.addr_info ?? []).map((a) => ({ interface: 0, address: `${a.local}/${a.prefixlen}` }));
    return {
      cniVersion: conf.cniVersion,
      interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: args.netns }],
      ips,
      dns: {},
    };
  },

  async del(_conf, args) {
    if (!args.netns || !(await pathExists(args.netns))) return;
    await nsIp(podNsTarget(args.netns), ['link', 'set', 'lo', 'down']).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  },

  async check(_conf, args) {
    if (!(await pathExists(args.netns))) throw noNetns(args.netns);
    const lo = await getLink(podNsTarget(args.netns), 'lo');
    if (!lo?.flags?.includes('UP')) throw new CniError(CniErrorCode.Internal, 'loopback: lo is down');
  },
};

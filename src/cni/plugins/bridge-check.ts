/**
 * bridge CHECK: what ADD made must still be there, as prevResult describes it: the bridge,
 * the host veth enslaved to it, the pod interface with its MAC and addresses, and the routes.
 */
import type { NsTarget } from '../ns.js';
import type { CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type CniResult } from '../types.js';
import { getLink } from '../ip/link.js';
import { checkPodAttachment } from './pod-check.js';
import type { BridgeConf } from './bridge-config.js';

const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `bridge: ${msg}`);

async function checkHost(c: BridgeConf, prev: CniResult, host: NsTarget): Promise<void> {
  const br = await getLink(host, c.bridge);
  if (!br || br.linkinfo?.info_kind !== 'bridge') throw fail(`bridge ${JSON.stringify(c.bridge)} not found`);
  for (const i of (prev.interfaces ?? []).filter((x) => !x.sandbox && x.name !== c.bridge)) {
    const veth = await getLink(host, i.name);
    if (!veth) throw fail(`host interface ${JSON.stringify(i.name)} not found`);
    if (veth.master !== c.bridge) throw fail(`host interface ${i.name} is not a port of ${c.bridge}`);
  }
}

export async function checkBridge(c: BridgeConf, prev: CniResult, args: CmdArgs, host: NsTarget): Promise<void> {
  await checkPodAttachment('bridge', prev, args, true);
  await checkHost(c, prev, host);
}

/**
 * Programs a rendered IPVS state into a node's network namespace with the real tools
 * (ip, ipset restore, iptables-restore, ipvsadm-restore), as kube-proxy's IPVS mode would hold
 * it after a full sync. Untested here: this machine's kernel has no IPVS, so callers must check
 * detectIpvs() first (programIpvs refuses otherwise).
 */
import { inNetns, ipBatch, run } from '../../dataplane/exec.js';
import { requireIpvs } from './detect.js';
import type { IpvsRender } from './render.js';

export async function programIpvs(netns: string, r: IpvsRender): Promise<void> {
  requireIpvs();
  await ipBatch(netns, r.dummy, true); // -force: the device may exist already
  const tool = async (cmd: string, args: string[], input?: string) => {
    const [c, a] = inNetns(netns, cmd, args);
    await run(c, a, { input });
  };
  await tool('ipset', ['restore', '-exist'], r.ipset);
  await tool('iptables-restore', ['--noflush'], r.iptables);
  for (const j of r.jumpRules) {
    const args = j.match(/"[^"]*"|\S+/g)!.map((t) => t.replace(/^"|"$/g, ''));
    const check = args.map((t) => (t === '-I' ? '-C' : t));
    const { code } = await run(...inNetns(netns, 'iptables', check), { allowFailure: true });
    if (code !== 0) await tool('iptables', args);
  }
  await tool('ipvsadm', ['--clear']);
  await tool('ipvsadm-restore', [], r.ipvsadm);
}

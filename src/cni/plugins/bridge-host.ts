/**
 * The bridge plugin's runtime-netns side that outlives one call in the CNI server: the bridge
 * (created when missing) and ip_forward, remembered per netns identity.
 */
import { stat } from 'node:fs/promises';
import { isAlreadyExists } from '../../dataplane/exec.js';
import { withKeyLock } from '../mutex.js';
import { type NsTarget, nsIpBatch, nsSysctl } from '../ns.js';
import { CniError, CniErrorCode } from '../types.js';
import { type LinkInfo, getLink, randomMac } from '../ip/link.js';
import { parseCIDR } from '../ip/addr.js';
import type { BridgeConf } from './bridge-config.js';

/**
 * What a long-lived process (the CNI server) remembers per (runtime netns, bridge): the bridge
 * as last read, and whether ip_forward was set. Each process exec'd standalone starts empty.
 * A stale entry is harmless: every ADD re-asserts the gateway with `addr replace`, and a
 * missing bridge makes the veth step fail, which drops the entry and retries once.
 */
const bridges = new Map<string, LinkInfo>();
const forwarding = new Set<string>();

/** A netns by identity, not name: a namespace deleted and re-created under the same name is new. */
export async function nsIdentity(host: NsTarget): Promise<string> {
  if (host === undefined) return `pid:${process.pid}`;
  const path = host.startsWith('/') ? host : `/run/netns/${host}`;
  const st = await stat(path).catch(() => undefined);
  return `${host}@${st ? `${st.dev}:${st.ino}` : 'gone'}`;
}

/** Creates the bridge when missing (with a pinned MAC, so ports joining never change it). */
export async function ensureBridge(host: NsTarget, c: BridgeConf): Promise<LinkInfo> {
  const key = `${await nsIdentity(host)}\0${c.bridge}`;
  return withKeyLock(`bridge:${key}`, async () => {
    const cached = bridges.get(key);
    if (cached) return cached;
    let br = await getLink(host, c.bridge);
    if (!br) {
      const mtu = c.mtu ? ` mtu ${c.mtu}` : '';
      const lines = [`link add ${c.bridge} address ${randomMac()}${mtu} type bridge`, `link set ${c.bridge} up`];
      if (c.promiscMode) lines.push(`link set ${c.bridge} promisc on`);
      const created = await nsIpBatch(host, lines).then(() => true, (e) => {
        if (!isAlreadyExists(e)) throw e;
        return false;
      });
      if (created) await nsSysctl(host, acceptRaOff([c.bridge]));
      br = await getLink(host, c.bridge);
    }
    if (!br) throw new CniError(CniErrorCode.Internal, `bridge: Cannot create bridge ${JSON.stringify(c.bridge)}`);
    if (br.linkinfo?.info_kind !== 'bridge') throw new CniError(CniErrorCode.Internal, `bridge: ${JSON.stringify(c.bridge)} already exists but is not a bridge`);
    bridges.set(key, br);
    return br;
  });
}

/** Drops what is remembered about `bridge` in `host` (after a failure that suggests it changed). */
export async function forgetBridge(host: NsTarget, bridge: string): Promise<void> {
  bridges.delete(`${await nsIdentity(host)}\0${bridge}`);
}

/** Updates the cached bridge with the gateways just asserted (forceAddress removed other IPv4 ones). */
export function rememberGateways(br: LinkInfo, addrs: string[], forced: boolean): void {
  const added = addrs.map((a) => {
    const n = parseCIDR(a)!;
    return { local: a.slice(0, a.indexOf('/')), prefixlen: n.prefix, family: n.ip.family === 4 ? ('inet' as const) : ('inet6' as const), scope: 'global' };
  });
  const kept = (br.addr_info ?? []).filter((x) => !(forced && x.family === 'inet') && !added.some((y) => y.local === x.local && y.prefixlen === x.prefixlen));
  br.addr_info = [...kept, ...added];
}

/** `accept_ra=0` for interfaces (slash form: a name may hold dots), as the reference sets on its links. */
const acceptRaOff = (ifaces: string[]): Record<string, number> => Object.fromEntries(ifaces.map((i) => [`net/ipv6/conf/${i}/accept_ra`, 0]));

/**
 * ip_forward (and IPv6 forwarding) in the runtime netns, once per process and netns, plus
 * accept_ra=0 on the new host-side interfaces `ifaces`: one `sysctl` process for both.
 */
export async function ensureForwarding(host: NsTarget, addrs: string[], ifaces: string[] = []): Promise<void> {
  const settings = forwardingSysctls(addrs);
  const key = `${await nsIdentity(host)}\0${Object.keys(settings).join(',')}`;
  const forward = Object.keys(settings).length > 0 && !forwarding.has(key);
  const all = { ...(forward ? settings : {}), ...acceptRaOff(ifaces) };
  if (Object.keys(all).length === 0) return;
  await nsSysctl(host, all);
  if (forward) forwarding.add(key);
}

const forwardingSysctls = (addrs: string[]): Record<string, number> =>
  Object.fromEntries(addrs.map((a) => (parseCIDR(a)?.ip.family === 6 ? ['net.ipv6.conf.all.forwarding', 1] : ['net.ipv4.ip_forward', 1])));

/**
 * Link-level helpers the plugins share: random names and MACs as the kernel would pick them,
 * and reading links and addresses with `ip -j`.
 */
import { randomBytes } from 'node:crypto';
import { type NsTarget, nsIpJson } from '../ns.js';
import { isNotFound } from '../../dataplane/exec.js';

/** `veth<8 hex>`, the host-side name the reference bridge plugin picks. */
export const randomVethName = (): string => `veth${randomBytes(4).toString('hex')}`;

/** A random unicast, locally administered MAC (as the kernel's eth_random_addr). */
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export interface LinkAddrInfo {
  local: string;
  prefixlen: number;
  family: 'inet' | 'inet6';
  scope?: string;
}

/** What `ip -j addr show` reports per link (the fields podnet reads). */
export interface LinkInfo {
  ifname: string;
  address?: string;
  operstate?: string;
  master?: string;
  mtu?: number;
  flags?: string[];
  addr_info?: LinkAddrInfo[];
  linkinfo?: { info_kind?: string; info_slave_kind?: string };
}

/** The link `name` in `ns` with its addresses; undefined when it does not exist. */
export async function getLink(ns: NsTarget, name: string): Promise<LinkInfo | undefined> {
  try {
    const links = await nsIpJson<LinkInfo[]>(ns, ['-d', 'addr', 'show', 'dev', name]);
    return links[0];
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

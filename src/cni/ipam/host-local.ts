/**
 * host-local, the IPAM plugin: hands out one IP per range set from a directory of files
 * (see disk-store.ts), under the store lock. ADD releases what it took if a later range set
 * fails; DEL releases by (containerID, ifname); CHECK confirms the container still holds an IP.
 */
import { PLUGIN_VERSION_INFO } from '../version.js';
import { constants } from 'node:fs';
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Attachment, checkKnownArgs, type CmdArgs, type CniPlugin, validAttachments } from '../skel.js';
import { CniError, CniErrorCode, type CniDNS, type CniIPConfig, type CniResult, type NetConf } from '../types.js';
import { type IP, formatIP } from '../ip/addr.js';
import { allocate } from './allocator.js';
import { type HostLocalConfig, parseHostLocalConfig } from './config.js';
import { DiskStore } from './disk-store.js';
import { rangeFor } from './range.js';
import { type IpamStore, recordMatches } from './store.js';

const KNOWN_ARGS = ['IP'];

function loadConfig(conf: NetConf, args: CmdArgs): HostLocalConfig {
  checkKnownArgs(args.args, KNOWN_ARGS);
  return parseHostLocalConfig(conf, args.args);
}

/** Parses the resolv.conf named by `resolvConf` into the result's dns section. */
export async function parseResolvConf(path: string | undefined): Promise<CniDNS> {
  if (!path) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CniError(CniErrorCode.IOFailure, `host-local: Cannot read resolvConf ${JSON.stringify(path)}`, (e as Error).message);
  }
  const dns: CniDNS = {};
  for (const line of text.split('\n')) {
    const [key, ...vals] = line.trim().split(/\s+/);
    if (key === 'nameserver' && vals[0]) (dns.nameservers ??= []).push(vals[0]);
    else if (key === 'domain' && vals[0]) dns.domain = vals[0];
    else if (key === 'search') dns.search = vals;
    else if (key === 'options') (dns.options ??= []).push(...vals);
  }
  return dns;
}

/** Allocates one IP per range set; on any failure releases everything this container holds. */
export async function allocateAll(cfg: HostLocalConfig, store: IpamStore, id: string, ifname: string): Promise<CniIPConfig[]> {
  const pending: IP[] = [...cfg.requestedIPs];
  const ips: CniIPConfig[] = [];
  try {
    for (const [i, set] of cfg.rangeSets.entries()) {
      const at = pending.findIndex((ip) => rangeFor(set, ip) >= 0);
      const requested = at >= 0 ? pending.splice(at, 1)[0] : undefined;
      ips.push(await allocate(set, String(i), store, id, ifname, requested));
    }
    if (pending.length > 0) {
      throw new CniError(CniErrorCode.Internal, `host-local: requested IPs ${JSON.stringify(pending.map(formatIP))} are not in any range set`);
    }
  } catch (e) {
    if (ips.length > 0) await store.releaseByID(id, ifname);
    throw e;
  }
  return ips;
}

async function withStore<T>(cfg: HostLocalConfig, fn: (s: IpamStore) => Promise<T>): Promise<T> {
  const store = new DiskStore(cfg.dataDir, cfg.name);
  await store.lock();
  try {
    return await fn(store);
  } finally {
    await store.unlock();
  }
}

/** Releases every reservation whose owner is not a valid attachment; returns the IPs released. */
export async function collectGarbage(store: IpamStore, valid: ReadonlyArray<Attachment>): Promise<string[]> {
  const released: string[] = [];
  for (const [ip, content] of await store.list()) {
    if (valid.some((a) => recordMatches(content, a.containerID, a.ifname))) continue;
    await store.release(ip);
    released.push(ip);
  }
  return released;
}

export const hostLocal: CniPlugin = {
  type: 'host-local',
  version: PLUGIN_VERSION_INFO,

  async add(conf, args): Promise<CniResult> {
    const cfg = loadConfig(conf, args);
    const dns = await parseResolvConf(cfg.resolvConf);
    const ips = await withStore(cfg, (s) => allocateAll(cfg, s, args.containerId, args.ifName));
    return { cniVersion: conf.cniVersion, ips, ...(cfg.routes.length ? { routes: cfg.routes } : {}), dns };
  },

  async del(conf, args): Promise<void> {
    const cfg = loadConfig(conf, args);
    await withStore(cfg, (s) => s.releaseByID(args.containerId, args.ifName));
  },

  async check(conf, args): Promise<void> {
    const cfg = loadConfig(conf, args);
    const held = await withStore(cfg, (s) => s.getByID(args.containerId, args.ifName));
    if (held.length === 0) {
      throw new CniError(CniErrorCode.Internal, `host-local: Failed to find address added by container ${args.containerId}`);
    }
  },

  async gc(conf, args): Promise<void> {
    const cfg = loadConfig(conf, args);
    const valid = validAttachments(conf);
    await withStore(cfg, (s) => collectGarbage(s, valid));
  },

  async status(conf, args): Promise<void> {
    // Ready when the store can be written: ADD needs nothing else.
    const cfg = loadConfig(conf, args);
    const dir = join(cfg.dataDir, cfg.name);
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    } catch (e) {
      throw new CniError(CniErrorCode.PluginNotAvailable, `host-local: dataDir ${JSON.stringify(dir)} is not writable`, (e as Error).message);
    }
  },
};

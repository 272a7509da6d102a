/**
 * Differential observation of a CNI network: the same conflist is run through a plugin
 * directory (podnet's bin/cni or Debian's /usr/lib/cni) in fresh twin namespaces, and what a
 * user could see is collected with random parts (veth names, MACs, link-local addresses, the
 * test prefix) blanked, so two runs compare with deepEqual.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ipJson, run } from '../../src/dataplane/exec.js';
import { CniRuntime, type RuntimeConf } from '../../src/cni/runtime.js';
import { startCniServer } from '../../src/cni/server.js';
import type { CniFixture } from './cni-fixture.js';
import { netnsPath } from './cni-fixture.js';

export type Conf = (dataDir: string) => Record<string, unknown>;

/** Blanks veth names, MACs and the per-run namespace prefix in any JSON-able value. */
export function normalize(v: unknown, prefix: string): unknown {
  const text = JSON.stringify(v ?? null)
    .replace(/veth[0-9a-f]{8}/g, 'vethX')
    .replace(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/g, 'M')
    .replaceAll(prefix, 'P-');
  return JSON.parse(text);
}

export async function storeFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.sort()) out[n] = await readFile(join(dir, n), 'latin1');
  return out;
}

interface AddrJson {
  ifname: string;
  mtu: number;
  flags: string[];
  qdisc?: string;
  txqlen?: number;
  operstate?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string };
  addr_info: Array<Record<string, unknown>>;
}

/** Waits (≤3 s) until no UP link in `ns` lacks carrier: the kernel reports carrier a moment after `up`. */
async function settled(ns: string): Promise<AddrJson[]> {
  for (let i = 0; ; i++) {
    const all = await ipJson<AddrJson[]>(ns, ['-d', 'addr', 'show']);
    if (i >= 30 || !all.some((l) => l.flags.includes('NO-CARRIER'))) return all;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Links with their attributes and addresses; link-local addresses (derived from random MACs)
 * blanked, and `tentative` dropped (DAD timing, not configuration).
 */
export async function links(ns: string): Promise<unknown[]> {
  const all = await settled(ns);
  return all.map((l) => ({
    ifname: l.ifname, kind: l.linkinfo?.info_kind, slave: l.linkinfo?.info_slave_kind, mtu: l.mtu, flags: l.flags, qdisc: l.qdisc, txqlen: l.txqlen, operstate: l.operstate, link_type: l.link_type,
    addrs: l.addr_info.map(({ local, label: _l, valid_life_time: _v, preferred_life_time: _p, tentative: _t, ...rest }) => ({ ...rest, local: rest.scope === 'link' ? 'LL' : local })),
  }));
}

/** IPv4 routes of every table, IPv6 routes of the main table (local ones hold random link-local addresses). */
export async function routes(ns: string): Promise<unknown> {
  return [await ipJson(ns, ['-4', 'route', 'show', 'table', 'all']), await ipJson(ns, ['-6', 'route', 'show'])];
}

export async function sysctls(ns: string, keys: string[]): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, 'sysctl', ...keys])).stdout;
}

/**
 * Every per-interface sysctl (ipv4 and ipv6 `conf/<if>/*`, plus `all` and `default`) as
 * `family/if/key=value` lines, veth names blanked; unreadable ones (stable_secret) skipped.
 */
export async function confSysctls(ns: string): Promise<string[]> {
  const script = 'for f in /proc/sys/net/ipv4/conf/*/* /proc/sys/net/ipv6/conf/*/*; do v=$(cat "$f" 2>/dev/null) && echo "${f#/proc/sys/net/}=$v"; done';
  const out = (await run('ip', ['netns', 'exec', ns, 'sh', '-c', script])).stdout;
  return out.split('\n').filter(Boolean).map((l) => l.replace(/veth[0-9a-f]{8}/g, 'vethX')).sort();
}

/** `iptables-save` of table nat without comments and counters (what portmap owns). */
export async function natRules(ns: string, family: 4 | 6 = 4): Promise<string[]> {
  const out = (await run('ip', ['netns', 'exec', ns, family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat'])).stdout;
  return out.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]'));
}

/** Every `route_localnet` that is on, by interface. */
export async function routeLocalnet(ns: string): Promise<string[]> {
  const out = (await run('ip', ['netns', 'exec', ns, 'sh', '-c', 'grep -H . /proc/sys/net/ipv4/conf/*/route_localnet'])).stdout;
  return out.split('\n').filter((l) => l.endsWith(':1')).sort();
}

export interface Twin {
  node: string;
  rt: CniRuntime;
  dataDir: string;
  list: Record<string, unknown>;
  pod(i: number, capabilityArgs?: Record<string, unknown>): Promise<RuntimeConf & { ns: string }>;
  /** Stops the CNI server of a delegated twin. */
  close(): Promise<void>;
}

/**
 * A node netns and a runtime over `binDir` with `conf` written as its conflist; `delegated`
 * puts a CNI server in front (the shims then call it, as on an agent's node).
 */
export async function twin(fx: CniFixture, tag: string, binDir: string, conf: Conf, delegated = false): Promise<Twin> {
  const node = await fx.netns(`${tag}n`);
  const dataDir = join(fx.dir, tag, 'networks');
  const confDir = join(fx.dir, tag, 'net.d');
  await mkdir(confDir, { recursive: true });
  const list = conf(dataDir);
  await writeFile(join(confDir, '10-net.conflist'), JSON.stringify(list));
  const socketPath = join(fx.dir, tag, 'agent.sock');
  const server = delegated ? await startCniServer({ socketPath, hostNetns: node }) : undefined;
  const env = delegated ? { env: { PODNET_CNI_SOCKET: socketPath } } : {};
  const rt = new CniRuntime({ confDir, binDirs: [binDir], cacheDir: join(fx.dir, tag, 'results'), hostNetns: node, ...env });
  return {
    node, rt, dataDir, list,
    close: async () => server?.close(),
    async pod(i, capabilityArgs) {
      const ns = await fx.netns(`${tag}p${i}`);
      return { ns, containerId: `ctr${i}`, netns: netnsPath(ns), ifName: 'eth0', args: [['K8S_POD_NAME', `pod${i}`]], ...(capabilityArgs ? { capabilityArgs } : {}) };
    },
  };
}

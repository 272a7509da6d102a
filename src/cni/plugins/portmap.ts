/**
 * portmap: a chained plugin that forwards host ports to the pod (runtimeConfig.portMappings)
 * with the reference's iptables backend, rule for rule (see portmap-rules.ts). ADD passes
 * prevResult through unchanged, sets route_localnet on the host interface that routes to the
 * pod (so 127.0.0.1:hostPort can be DNATed) and drops stale UDP conntrack entries for the
 * host ports. DEL removes exactly this attachment's rules and chain; CHECK compares them;
 * GC removes those of attachments not in `cni.dev/valid-attachments`.
 */
import { type NsTarget, nsIpJson, nsRun, nsSysctl } from '../ns.js';
import { type CniPlugin, validAttachments } from '../skel.js';
import { CniError, CniErrorCode } from '../types.js';
import { type IPNet, formatIP } from '../ip/addr.js';
import { PLUGIN_VERSION_INFO } from '../version.js';
import { type PortmapConf, parsePortmapConf } from './portmap-config.js';
import { type Family, attachmentLines, listNat, removalLines, restoreNat, toplevelLines, withNatLock } from './portmap-iptables.js';
import { TOPLEVEL_DNAT, dnatChainName, dnatComment, dnatRules, entryRules, quoteArg, toplevelRules } from './portmap-rules.js';

const fail = (msg: string): CniError => new CniError(CniErrorCode.Internal, `portmap: ${msg}`);

const pods = (c: PortmapConf): Array<[Family, IPNet]> =>
  [c.podV4 ? ([4, c.podV4] as [Family, IPNet]) : undefined, c.podV6 ? ([6, c.podV6] as [Family, IPNet]) : undefined].filter((x): x is [Family, IPNet] => !!x);

/** Declarations first: a restore refers to a chain only after it is declared. */
const ordered = (lines: string[]): string[] => [...lines.filter((l) => l.startsWith(':')), ...lines.filter((l) => !l.startsWith(':'))];

async function forward(host: NsTarget, c: PortmapConf, containerId: string, f: Family, pod: IPNet): Promise<void> {
  const chain = dnatChainName(c.name, containerId);
  await withNatLock(host, f, async () => {
    const t = await listNat(host, f);
    await restoreNat(host, f, ordered([...toplevelLines(t, c.snat, c.markMasqBit), ...attachmentLines(t, chain, dnatRules(c, pod), entryRules(c, containerId, pod))]));
  });
}

/** route_localnet on the interface the host routes the pod through (the bridge, or a ptp veth). */
async function allowLocalnet(host: NsTarget, pod: IPNet): Promise<void> {
  // No route to the pod (yet): nothing to enable, as the reference skips it too.
  const routes = await nsIpJson<Array<{ dev?: string }>>(host, ['route', 'get', formatIP(pod.ip)]).catch(() => []);
  const route = routes[0];
  if (route?.dev && route.dev !== 'lo') await nsSysctl(host, { [`net.ipv4.conf.${route.dev}.route_localnet`]: 1 });
}

async function flushUdpConntrack(host: NsTarget, c: PortmapConf): Promise<void> {
  for (const m of c.mappings.filter((x) => x.protocol === 'udp')) {
    // Exit 1 when nothing matched; the entries only matter if they exist.
    await nsRun(host, 'conntrack', ['-D', '-p', 'udp', '--orig-port-dst', String(m.hostPort)], { allowFailure: true }).catch(() => undefined);
  }
}

async function unforward(host: NsTarget, name: string, containerId: string): Promise<void> {
  const comment = `--comment ${quoteArg(dnatComment(name, containerId))} `;
  for (const f of [4, 6] as Family[]) {
    await withNatLock(host, f, async () => {
      const t = await listNat(host, f).catch(() => undefined);
      if (t) await restoreNat(host, f, removalLines(t, (r) => r.includes(comment), [dnatChainName(name, containerId)]));
    });
  }
}

async function checkFamily(host: NsTarget, c: PortmapConf, containerId: string, f: Family, pod: IPNet): Promise<void> {
  const t = await listNat(host, f);
  const chain = dnatChainName(c.name, containerId);
  const want = dnatRules(c, pod);
  const have = t.rules.get(chain) ?? [];
  if (!t.chains.has(chain)) throw fail(`chain ${chain} not found in table nat (IPv${f})`);
  if (JSON.stringify(have) !== JSON.stringify(want)) throw fail(`chain ${chain} (IPv${f}) has ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
  const fixed = toplevelRules(c.markMasqBit);
  const needed: Array<[string, string]> = [...entryRules(c, containerId, pod).map((r) => [TOPLEVEL_DNAT, r] as [string, string]), ['PREROUTING', fixed.PREROUTING[0]], ['OUTPUT', fixed.OUTPUT[0]]];
  for (const [ch, r] of needed) if (!(t.rules.get(ch) ?? []).includes(r)) throw fail(`rule "${r}" not found in chain ${ch} (IPv${f})`);
}

/** The container id in a CNI-HOSTPORT-DNAT rule of network `name`, as `-S` prints its comment. */
export function entryContainerId(rule: string, name: string): string | undefined {
  const full = quoteArg(dnatComment(name, 'x'));
  const prefix = `--comment ${full.slice(0, full.lastIndexOf(' id: '))} id: \\"`;
  const i = rule.indexOf(prefix);
  if (i < 0) return undefined;
  const rest = rule.slice(i + prefix.length);
  return rest.slice(0, rest.indexOf('\\""'));
}

async function gcFamily(host: NsTarget, name: string, valid: Set<string>, f: Family): Promise<void> {
  await withNatLock(host, f, async () => {
    const t = await listNat(host, f).catch(() => undefined);
    const stale = (r: string): boolean => {
      const id = entryContainerId(r, name);
      return id !== undefined && !valid.has(id);
    };
    if (t) await restoreNat(host, f, removalLines(t, stale, []));
  });
}

export const portmap: CniPlugin = {
  type: 'portmap',
  version: PLUGIN_VERSION_INFO,

  async add(conf, args, ctx) {
    if (!conf.prevResult) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'prevResult: portmap must be called as a chained plugin');
    const c = parsePortmapConf(conf);
    if (c.mappings.length === 0) return conf.prevResult;
    if (!c.podV4 && !c.podV6) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'prevResult: no container IP to forward to');
    for (const [f, pod] of pods(c)) await forward(ctx.hostNetns, c, args.containerId, f, pod);
    if (c.snat && c.podV4) await allowLocalnet(ctx.hostNetns, c.podV4);
    await flushUdpConntrack(ctx.hostNetns, c);
    return conf.prevResult;
  },

  async del(conf, args, ctx) {
    // As the reference: without mappings this attachment never had rules.
    if (parsePortmapConf(conf).mappings.length === 0) return;
    await unforward(ctx.hostNetns, conf.name, args.containerId);
  },

  async check(conf, args, ctx) {
    if (!conf.prevResult) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'prevResult: Required prevResult missing');
    const c = parsePortmapConf(conf);
    if (c.mappings.length === 0) return;
    for (const [f, pod] of pods(c)) await checkFamily(ctx.hostNetns, c, args.containerId, f, pod);
  },

  async gc(conf, _args, ctx) {
    const valid = new Set(validAttachments(conf).map((a) => a.containerID));
    for (const f of [4, 6] as Family[]) await gcFamily(ctx.hostNetns, conf.name, valid, f);
  },

  async status(conf, _args, ctx) {
    parsePortmapConf(conf);
    const out = await nsRun(ctx.hostNetns, 'iptables-restore', ['--version'], { allowFailure: true }).catch((e: Error) => ({ code: -1, stderr: e.message }));
    if (out.code !== 0) throw new CniError(CniErrorCode.PluginNotAvailable, 'portmap: iptables-restore is not usable', out.stderr.trim());
  },
};

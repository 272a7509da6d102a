/**
 * `podnet proxy render`: the ruleset a node's service proxy would hold after a full sync for the
 * Services and EndpointSlices in some manifests, printed without root and without a cluster.
 */
import { parseArgs } from 'node:util';
import { isIPv4 } from '../proxy/service-port.js';
import { renderRulesetAdds } from '../proxy/render.js';
import { renderIpvs, renderIpvsText } from '../proxy/ipvs/render.js';
import { renderIptables } from '../proxy/iptables/render.js';
import { loadProxyObjects, type ProxyObjects } from './proxy-manifests.js';

export const PROXY_RENDER_HELP = `Usage: podnet proxy render -f <file|dir|->... --node-name <n> --node-ip <ip>
                           --cluster-cidr <cidr> --service-cidr <cidr> [options]

Print the rules kube-proxy would hold on node <n> after a full sync for the Services and
EndpointSlices in the manifests (YAML or JSON, multi-document, Lists, directories; "-" is
stdin). Needs no root and no cluster. Services get the apiserver's defaults, but nothing is
allocated: ClusterIPs (and node ports of NodePort/LoadBalancer Services) must be in the
manifest. Endpoints objects are ignored: kube-proxy reads only EndpointSlices.

Options:
  --mode nftables|iptables|ipvs   Proxy mode (default nftables)
                                  nftables: one "add" line per table, chain, set, map, rule
                                            and element (nft -f input)
                                  iptables: iptables-restore input
                                  ipvs:     kube-ipvs0 addresses, ipvsadm-restore, ipset restore
                                            and iptables-restore input
  -f, --filename <path>           Manifest file, directory or "-" (repeatable)
  --node-name <name>              The node (decides which endpoints are local)
  --node-ip <ip>                  The node's IPv4 address
  --cluster-cidr <cidr>           Pod CIDR: ClusterIP traffic from outside it is masqueraded
  --service-cidr <cidr>           Service CIDR: nftables drops traffic to unallocated IPs in it
  --nodeport-addresses <cidr,...> Node addresses NodePorts answer on (default: the node IP
                                  in nftables and ipvs, every local address in iptables,
                                  127.0.0.1 included (localhostNodePorts); 0.0.0.0/0 means
                                  every local address)
  --masquerade-mark <hex>         The masquerade mark, one bit (default 0x4000, bit 14)
  -h, --help                      Show this help
`;

const MODES = ['nftables', 'iptables', 'ipvs'] as const;
type Mode = (typeof MODES)[number];

export interface RenderFlags {
  mode: Mode;
  files: string[];
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  serviceCIDR: string;
  nodePortAddresses?: string[];
  /** The mark's value (one bit). */
  mark: number;
}

const isCIDR = (s: string): boolean => {
  const [ip, len, extra] = s.split('/');
  return extra === undefined && isIPv4(ip) && /^\d{1,2}$/.test(len ?? '') && Number(len) <= 32;
};

function parseMark(s: string | undefined): number {
  if (s === undefined) return 0x4000;
  const n = /^0x[0-9a-f]{1,8}$/i.test(s) ? Number.parseInt(s.slice(2), 16) : NaN;
  if (!(n > 0) || (n & (n - 1)) !== 0) throw new Error(`--masquerade-mark: Invalid value "${s}": must be one bit in hex, like 0x4000 (kube-proxy's masqueradeBit 0-31)`);
  return n;
}

/** Validates the flags; every error names its flag. */
export function parseRenderFlags(argv: readonly string[]): RenderFlags | 'help' {
  const { values: v } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      mode: { type: 'string', default: 'nftables' },
      filename: { type: 'string', short: 'f', multiple: true },
      'node-name': { type: 'string' },
      'node-ip': { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'service-cidr': { type: 'string' },
      'nodeport-addresses': { type: 'string' },
      'masquerade-mark': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) return 'help';
  const req = (flag: string, val: string | undefined): string => {
    if (!val) throw new Error(`--${flag}: Required value`);
    return val;
  };
  if (!MODES.includes(v.mode as Mode)) throw new Error(`--mode: Unsupported value "${v.mode}": supported values: ${MODES.join(', ')}`);
  if (!v.filename?.length) throw new Error('-f/--filename: Required value: at least one manifest');
  const nodeIP = req('node-ip', v['node-ip']);
  if (!isIPv4(nodeIP)) throw new Error(`--node-ip: Invalid value "${nodeIP}": must be an IPv4 address`);
  for (const flag of ['cluster-cidr', 'service-cidr'] as const) {
    if (!isCIDR(req(flag, v[flag]))) throw new Error(`--${flag}: Invalid value "${v[flag]}": must be an IPv4 CIDR like 10.244.0.0/16`);
  }
  const npa = v['nodeport-addresses']?.split(',').map((c) => c.trim());
  const bad = npa?.find((c) => !isCIDR(c));
  if (bad !== undefined) throw new Error(`--nodeport-addresses: Invalid value "${bad}": must be a comma-separated list of IPv4 CIDRs`);
  return {
    mode: v.mode as Mode, files: v.filename, nodeName: req('node-name', v['node-name']), nodeIP,
    clusterCIDR: v['cluster-cidr']!, serviceCIDR: v['service-cidr']!, nodePortAddresses: npa, mark: parseMark(v['masquerade-mark']),
  };
}

export function renderFor(f: RenderFlags, objs: ProxyObjects): string {
  const { services, endpointSlices: slices } = objs;
  const node = { nodeName: f.nodeName, nodeIP: f.nodeIP, clusterCIDR: f.clusterCIDR };
  switch (f.mode) {
    case 'nftables':
      return renderRulesetAdds(services, slices, { ...node, serviceCIDR: f.serviceCIDR, masqueradeMark: `0x${f.mark.toString(16)}`, nodePortAddresses: f.nodePortAddresses });
    case 'ipvs':
      return renderIpvsText(renderIpvs(services, slices, { ...node, nodePortAddresses: f.nodePortAddresses, masqueradeMark: `0x${f.mark.toString(16).padStart(8, '0')}` }));
    case 'iptables':
      return renderIptables(services, slices, { ...node, masqueradeBit: Math.log2(f.mark), nodePortAddresses: f.nodePortAddresses });
  }
}

/** `podnet proxy <subcommand> ...`; returns the exit code. */
export async function proxyCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') {
    process.stdout.write(PROXY_RENDER_HELP);
    return 0;
  }
  if (sub !== 'render') {
    process.stderr.write(`podnet proxy: ${sub ? `unknown subcommand "${sub}"` : 'a subcommand is required'}\n\n${PROXY_RENDER_HELP}`);
    return 2;
  }
  const flags = parseRenderFlags(rest);
  if (flags === 'help') {
    process.stdout.write(PROXY_RENDER_HELP);
    return 0;
  }
  const objs = loadProxyObjects(flags.files);
  for (const w of objs.warnings) process.stderr.write(`podnet proxy render: ${w}\n`);
  process.stdout.write(renderFor(flags, objs));
  return 0;
}

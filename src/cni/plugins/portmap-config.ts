/**
 * portmap's configuration: `runtimeConfig.portMappings` (the portMappings capability), the
 * options of the reference's iptables backend (snat default true, markMasqBit default 13),
 * and the pod IPs taken from prevResult. Errors name the field (code 7, or 2 for options
 * podnet does not implement).
 */
import { CniError, CniErrorCode, type CniResult, type NetConf } from '../types.js';
import { type IPNet, parseCIDR, parseIP } from '../ip/addr.js';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** Lower case: tcp, udp or sctp. */
  protocol: string;
  /** Empty: every local address. */
  hostIP: string;
}

export interface PortmapConf {
  name: string;
  mappings: PortMapping[];
  snat: boolean;
  markMasqBit: number;
  /** The pod's first IPv4 and IPv6 address (with prefix) from prevResult. */
  podV4?: IPNet;
  podV6?: IPNet;
}

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

function parseMapping(raw: unknown, i: number): PortMapping {
  const field = `runtimeConfig.portMappings[${i}]`;
  const m = raw as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null) throw invalid(field, 'must be an object');
  if (!isPort(m.hostPort)) throw invalid(`${field}.hostPort`, `must be a port 1..65535, got ${JSON.stringify(m.hostPort)}`);
  if (!isPort(m.containerPort)) throw invalid(`${field}.containerPort`, `must be a port 1..65535, got ${JSON.stringify(m.containerPort)}`);
  const protocol = String(m.protocol ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw invalid(`${field}.protocol`, `must be tcp, udp or sctp, got ${JSON.stringify(m.protocol)}`);
  const hostIP = m.hostIP === undefined || m.hostIP === null ? '' : String(m.hostIP);
  if (hostIP !== '' && !parseIP(hostIP)) throw invalid(`${field}.hostIP`, `invalid IP ${JSON.stringify(hostIP)}`);
  return { hostPort: m.hostPort, containerPort: m.containerPort, protocol, hostIP };
}

/** The pod IPs: addresses of prevResult whose interface is in a sandbox (or unspecified). */
function podIPs(prev: CniResult | undefined): { podV4?: IPNet; podV6?: IPNet } {
  const out: { podV4?: IPNet; podV6?: IPNet } = {};
  for (const ipc of prev?.ips ?? []) {
    const iface = ipc.interface === undefined ? undefined : prev?.interfaces?.[ipc.interface];
    if (iface && !iface.sandbox) continue;
    const net = parseCIDR(ipc.address);
    if (net?.ip.family === 4) out.podV4 ??= net;
    if (net?.ip.family === 6) out.podV6 ??= net;
  }
  return out;
}

function rejectUnsupported(conf: NetConf): void {
  for (const field of ['externalSetMarkChain', 'conditionsV4', 'conditionsV6']) {
    if (conf[field] !== undefined && conf[field] !== null) throw new CniError(CniErrorCode.UnsupportedField, `${field}: not supported by podnet's portmap plugin`);
  }
  if (conf.masqAll === true) throw new CniError(CniErrorCode.UnsupportedField, "masqAll: not supported by podnet's portmap plugin");
  if (conf.backend !== undefined && conf.backend !== 'iptables') throw new CniError(CniErrorCode.UnsupportedField, `backend: podnet's portmap has the iptables backend only, got ${JSON.stringify(conf.backend)}`);
}

export function parsePortmapConf(conf: NetConf): PortmapConf {
  rejectUnsupported(conf);
  const raw = conf.runtimeConfig?.portMappings ?? [];
  if (!Array.isArray(raw)) throw invalid('runtimeConfig.portMappings', 'must be a list');
  if (conf.snat !== undefined && typeof conf.snat !== 'boolean') throw invalid('snat', 'must be a boolean');
  const bit = conf.markMasqBit ?? 13;
  if (!Number.isInteger(bit) || (bit as number) < 0 || (bit as number) > 31) throw invalid('markMasqBit', `must be an integer in 0..31, got ${JSON.stringify(bit)}`);
  return {
    name: conf.name,
    mappings: raw.map(parseMapping),
    snat: conf.snat !== false,
    markMasqBit: bit as number,
    ...podIPs(conf.prevResult),
  };
}

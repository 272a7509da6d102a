/**
 * The bridge plugin's configuration (reference defaults: bridge "cni0", every flag false),
 * validated with errors that name the field (code 7, or 2 for options podnet does not do).
 */
import { checkKnownArgs, type CmdArgs } from '../skel.js';
import { CniError, CniErrorCode, type NetConf } from '../types.js';
import { MAC_RE } from '../ip/link.js';

export interface BridgeConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** Keep IPv6 duplicate address detection on the pod interface. */
  enableDad: boolean;
  mtu?: number;
  /** The pod interface's MAC if the runtime asked for one. */
  mac?: string;
  hasIpam: boolean;
}

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

function flag(conf: NetConf, key: string): boolean {
  const v = conf[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalid(key, `must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function parseMtu(v: unknown): number | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  if (!Number.isInteger(v) || (v as number) < 68 || (v as number) > 65535) throw invalid('mtu', `must be an integer in 68..65535, got ${JSON.stringify(v)}`);
  return v as number;
}

/** The requested MAC: runtimeConfig.mac, then args.cni.mac, then CNI_ARGS MAC= (last wins, as the reference). */
function requestedMac(conf: NetConf, args: CmdArgs): string | undefined {
  const fromArgs = args.args.find(([k]) => k === 'MAC')?.[1];
  const fromCni = (conf.args?.cni as Record<string, unknown> | undefined)?.mac;
  const fromRuntime = conf.runtimeConfig?.mac;
  const mac = [fromArgs, fromCni, fromRuntime].filter((m): m is string => typeof m === 'string' && m !== '').pop();
  if (mac !== undefined && !MAC_RE.test(mac)) throw invalid('mac', `Invalid MAC address ${JSON.stringify(mac)}`);
  return mac?.toLowerCase();
}

function rejectUnsupported(conf: NetConf): void {
  const unsupported: Array<[string, boolean]> = [
    ['ipMasq', conf.ipMasq === true],
    ['vlan', typeof conf.vlan === 'number' && conf.vlan !== 0],
    ['vlanTrunk', Array.isArray(conf.vlanTrunk) && conf.vlanTrunk.length > 0],
    ['macspoofchk', conf.macspoofchk === true],
  ];
  for (const [field, on] of unsupported) {
    if (on) throw new CniError(CniErrorCode.UnsupportedField, `${field}: not supported by podnet's bridge plugin`);
  }
}

export function parseBridgeConf(conf: NetConf, args: CmdArgs): BridgeConf {
  checkKnownArgs(args.args, ['MAC']);
  const bridge = conf.bridge ?? 'cni0';
  if (typeof bridge !== 'string' || !/^[^\s/:]{1,15}$/.test(bridge)) throw invalid('bridge', `Invalid bridge name ${JSON.stringify(bridge)}`);
  rejectUnsupported(conf);
  const isDefaultGateway = flag(conf, 'isDefaultGateway');
  const out: BridgeConf = {
    bridge,
    isDefaultGateway,
    isGateway: isDefaultGateway || flag(conf, 'isGateway'),
    forceAddress: flag(conf, 'forceAddress'),
    hairpinMode: flag(conf, 'hairpinMode'),
    promiscMode: flag(conf, 'promiscMode'),
    enableDad: flag(conf, 'enabledad'),
    mtu: parseMtu(conf.mtu),
    mac: requestedMac(conf, args),
    hasIpam: conf.ipam !== undefined && conf.ipam !== null && typeof conf.ipam.type === 'string' && conf.ipam.type !== '',
  };
  if (out.hairpinMode && out.promiscMode) throw invalid('hairpinMode', 'cannot set hairpin mode and promiscuous mode at the same time');
  return out;
}

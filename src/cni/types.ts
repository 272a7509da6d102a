/**
 * CNI wire types (containernetworking/cni SPEC.md: results, errors, network configuration) and
 * the one error class both sides use: a plugin throws CniError, the skeleton prints it as the
 * spec's error JSON, and the runtime turns a plugin's error JSON back into a CniError.
 */

/** Well-known error codes (SPEC.md "Error" and pkg/types). */
export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironmentVariables: 4,
  IOFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  /** STATUS: the plugin is not available for ADD. */
  PluginNotAvailable: 50,
  /** STATUS: not available, and existing attachments may have limited connectivity. */
  PluginNotAvailableLimitedConnectivity: 51,
  Internal: 999,
} as const;

export interface CniErrorJson {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super(details ? `${msg}: ${details}` : msg);
    this.name = 'CniError';
  }

  toJSON(cniVersion?: string): CniErrorJson {
    return { ...(cniVersion ? { cniVersion } : {}), code: this.code, msg: this.msg, ...(this.details ? { details: this.details } : {}) };
  }
}

/** Any thrown value as a CniError (code 999 unless it already is one). */
export function asCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  return new CniError(CniErrorCode.Internal, e instanceof Error ? e.message : String(e));
}

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The netns path for a container-side interface; absent for the host side. */
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface CniIPConfig {
  /** `a.b.c.d/len` */
  address: string;
  gateway?: string;
  /** Index into interfaces; absent in an IPAM result. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIPConfig[];
  routes?: CniRoute[];
  dns?: CniDNS;
}

export interface IpamConf {
  type: string;
  [key: string]: unknown;
}

/** One plugin's network configuration as it arrives on stdin (the runtime has injected name etc.). */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  ipam?: IpamConf;
  dns?: CniDNS;
  runtimeConfig?: Record<string, unknown>;
  prevResult?: CniResult;
  args?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A network configuration list (`*.conflist`). */
export interface NetConfList {
  cniVersion: string;
  cniVersions?: string[];
  name: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins: Array<Record<string, unknown> & { type: string; capabilities?: Record<string, boolean> }>;
  [key: string]: unknown;
}

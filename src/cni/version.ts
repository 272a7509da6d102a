/**
 * CNI spec versions: which ones podnet's plugins and runtime speak, how to compare them, and
 * how a result is rendered for an older version (0.3.x/0.4.0 carry `ips[].version`).
 */
import { CniError, CniErrorCode, type CniResult } from './types.js';
import { parseCIDR } from './ip/addr.js';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST_VERSION = '1.1.0';

/** Numeric comparison of `a.b.c` strings. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export const isSupported = (v: string): boolean => (SUPPORTED_VERSIONS as readonly string[]).includes(v);

/** What a plugin answers to VERSION. */
export interface VersionInfo {
  cniVersion: string;
  supportedVersions: readonly string[];
}

export const PLUGIN_VERSION_INFO: VersionInfo = { cniVersion: LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS };

/** The config's version if the plugin speaks it; a missing version is 0.1.0, as in libcni. */
export function requireSupported(v: unknown, info: VersionInfo = PLUGIN_VERSION_INFO): string {
  const version = typeof v === 'string' && v !== '' ? v : '0.1.0';
  if (!info.supportedVersions.includes(version)) {
    throw new CniError(
      CniErrorCode.IncompatibleVersion,
      'incompatible CNI versions',
      `config is ${JSON.stringify(version)}, plugin supports ${JSON.stringify(info.supportedVersions)}`,
    );
  }
  return version;
}

/** `result` as version `v` speaks it. */
export function convertResult(result: CniResult, v: string): CniResult {
  const ips = result.ips?.map((ip) => {
    const { version: _drop, ...rest } = ip as typeof ip & { version?: string };
    if (compareVersions(v, '1.0.0') >= 0) return rest;
    return { version: parseCIDR(ip.address)?.ip.family === 6 ? '6' : '4', ...rest };
  });
  return {
    cniVersion: v,
    ...(result.interfaces ? { interfaces: result.interfaces } : {}),
    ...(ips ? { ips } : {}),
    ...(result.routes ? { routes: result.routes } : {}),
    dns: result.dns ?? {},
  };
}

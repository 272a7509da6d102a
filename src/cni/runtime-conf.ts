/**
 * What a runtime passes per attachment (libcni's RuntimeConf) and the checks libcni makes
 * before exec'ing anything (pkg/utils, as facts): a container ID and a network name of
 * `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, an interface name of 1-15 characters, not `.`/`..`, without
 * `/`, `:` or whitespace. The codes are libcni's: 3 missing container ID, 4 invalid container
 * ID or interface name, 7 invalid network name. Errors name the field.
 */
import { CniError, CniErrorCode } from './types.js';

export interface RuntimeConf {
  containerId: string;
  /** The pod's netns path, e.g. /run/netns/<name>. */
  netns: string;
  ifName: string;
  /** Sent as CNI_ARGS, after IgnoreUnknown=1 (K8S_POD_NAMESPACE, K8S_POD_NAME, ...). */
  args?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
}

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** `IgnoreUnknown=1;K=V;...`, or empty without args. */
export function cniArgsString(args: ReadonlyArray<[string, string]> = []): string {
  if (args.length === 0) return '';
  const pairs = args.some(([k]) => k === 'IgnoreUnknown') ? args : [['IgnoreUnknown', '1'] as [string, string], ...args];
  return pairs.map(([k, v]) => `${k}=${v}`).join(';');
}

function validateIfName(ifName: string): void {
  const bad = (why: string) => new CniError(CniErrorCode.InvalidEnvironmentVariables, `cni: ifName: ${why}`, JSON.stringify(ifName));
  if (!ifName) throw bad('interface name is empty');
  if (ifName.length > 15) throw bad('interface name is too long (at most 15 characters)');
  if (ifName === '.' || ifName === '..') throw bad('interface name is . or ..');
  if (/[\s/:]/.test(ifName)) throw bad('interface name contains / or : or whitespace characters');
}

export function validateRuntimeConf(rt: RuntimeConf): void {
  if (!rt.containerId) throw new CniError(CniErrorCode.UnknownContainer, 'cni: containerId: missing containerID');
  if (!VALID_NAME.test(rt.containerId)) throw new CniError(CniErrorCode.InvalidEnvironmentVariables, 'cni: containerId: invalid characters in containerID', JSON.stringify(rt.containerId));
  validateIfName(rt.ifName);
  for (const [k, v] of rt.args ?? []) {
    if (/[;=]/.test(k) || /[;=]/.test(v)) throw new CniError(CniErrorCode.InvalidEnvironmentVariables, `cni: args: ${JSON.stringify(`${k}=${v}`)} must not contain ';' or '='`);
  }
}

/** The conflist's `name`, as libcni checks it at ADD. */
export function validateNetworkName(name: string): void {
  if (!VALID_NAME.test(name)) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'cni: name: invalid characters found in network name', JSON.stringify(name));
}

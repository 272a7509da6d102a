/**
 * Network configuration lists as a runtime reads them (libcni conf.go, as facts): the first
 * `*.conflist` of a directory in lexical order; the version is the highest of `cniVersion` and
 * `cniVersions` the runtime speaks; each plugin's stdin gets `name`, `cniVersion`,
 * `runtimeConfig` (its declared capabilities ∩ the runtime's capability args) and `prevResult`,
 * and loses `capabilities`.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CniError, CniErrorCode, type CniResult, type NetConfList } from './types.js';
import { SUPPORTED_VERSIONS, compareVersions, isSupported } from './version.js';

export interface LoadedConfList {
  list: NetConfList;
  /** The file's bytes (the result cache keeps them). */
  bytes: Buffer;
  path: string;
}

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

/** Checks a parsed list's shape; errors name the field. */
export function validateConfList(raw: unknown, source: string): NetConfList {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(source, 'not a JSON object');
  const l = raw as Record<string, unknown>;
  if (typeof l.name !== 'string' || l.name === '') throw invalid(`${source}: name`, 'missing');
  if (typeof l.cniVersion !== 'string') throw invalid(`${source}: cniVersion`, 'missing');
  if (l.cniVersions !== undefined && (!Array.isArray(l.cniVersions) || l.cniVersions.some((v) => typeof v !== 'string'))) {
    throw invalid(`${source}: cniVersions`, 'must be a list of strings');
  }
  if (!Array.isArray(l.plugins) || l.plugins.length === 0) throw invalid(`${source}: plugins`, 'must be a non-empty list');
  l.plugins.forEach((p: unknown, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as { type?: unknown }).type !== 'string' || (p as { type: string }).type === '') {
      throw invalid(`${source}: plugins[${i}].type`, 'missing');
    }
  });
  return l as NetConfList;
}

export function parseConfList(bytes: Buffer | string, source = 'conflist'): NetConfList {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString());
  } catch (e) {
    throw new CniError(CniErrorCode.DecodingFailure, `${source}: cannot parse JSON`, (e as Error).message);
  }
  return validateConfList(raw, source);
}

/** The first `*.conflist` in `dir` (lexically). */
export async function loadConfList(dir: string): Promise<LoadedConfList> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.conflist')).sort();
  if (names.length === 0) throw new CniError(CniErrorCode.InvalidNetworkConfig, `cni: no network config found in ${dir}`);
  const path = join(dir, names[0]);
  const bytes = await readFile(path);
  return { list: parseConfList(bytes, path), bytes, path };
}

/** The highest version of `cniVersion` ∪ `cniVersions` that podnet speaks. */
export function negotiateVersion(list: NetConfList): string {
  const offered = [list.cniVersion, ...(list.cniVersions ?? [])];
  const ok = offered.filter(isSupported).sort(compareVersions);
  if (ok.length === 0) {
    throw new CniError(CniErrorCode.IncompatibleVersion, 'incompatible CNI versions', `config offers ${JSON.stringify(offered)}, runtime supports ${JSON.stringify(SUPPORTED_VERSIONS)}`);
  }
  return ok[ok.length - 1];
}

/** One plugin's stdin config, as libcni's buildOneConfig makes it. */
export function buildPluginConf(
  list: NetConfList, index: number, version: string, capabilityArgs: Record<string, unknown> = {}, prevResult?: CniResult,
): Record<string, unknown> {
  const { capabilities, ...rest } = list.plugins[index];
  const conf: Record<string, unknown> = { ...rest, cniVersion: version, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(capabilities ?? {})) {
    if (on && Object.hasOwn(capabilityArgs, cap)) runtimeConfig[cap] = capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  else delete conf.runtimeConfig;
  if (prevResult) conf.prevResult = prevResult;
  return conf;
}

/**
 * The CNI runtime side (libcni semantics): loads the node's conflist, negotiates the version,
 * runs the plugins in order for ADD (each one's result is the next one's prevResult) and in
 * reverse for DEL, keeps the result cache for DEL and CHECK, and reports a plugin's failure
 * as a PluginError carrying the CNI code and msg. As libcni, a failed ADD is not rolled back:
 * the caller runs delNetwork (safe without a cache entry, and idempotent).
 *
 * Checked against the real libcni (test/integration/cni-runtime-libcni/): the same plugin
 * invocations, the same cache files. Two deliberate differences: `capabilities` is removed
 * from each plugin's stdin (the spec says it must not be set; libcni passes it on), and DEL
 * falls back to the cached config when the conf dir has no conflist left (libcni needs its
 * caller to load a list; CRI-O's ocicni does the same fallback).
 */
import { CniError, CniErrorCode, type CniResult, type NetConfList } from './types.js';
import { buildPluginConf, loadConfList, negotiateVersion, parseConfList } from './conflist.js';
import { execPlugin, findInPath } from './invoke.js';
import { type CacheKey, deleteCache, findCache, libcniResult, listCache, readCache, removeStaleTemps, writeCache } from './result-cache.js';
import { compareVersions, convertResult } from './version.js';
import { type RuntimeConf, cniArgsString, validateNetworkName, validateRuntimeConf } from './runtime-conf.js';

export { type RuntimeConf, cniArgsString, validateNetworkName, validateRuntimeConf } from './runtime-conf.js';

export interface CniRuntimeOptions {
  confDir: string;
  binDirs: string[];
  cacheDir: string;
  /** Exec plugins inside this netns (`ip netns exec`). */
  hostNetns?: string;
  /** Extra environment for plugins, e.g. PODNET_CNI_SOCKET. */
  env?: Record<string, string>;
  /**
   * With PODNET_CNI_SOCKET set, call the CNI server directly for plugins that are podnet
   * shims rather than exec'ing them. Default false: plugins are exec'd as the CNI spec and
   * libcni do (the shim itself then delegates to the agent).
   */
  directShims?: boolean;
}

type Command = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

const LOOPBACK_CONF: NetConfList = { cniVersion: '1.0.0', name: 'cni-loopback', plugins: [{ type: 'loopback' }] };

/** GC and STATUS concern no container: libcni still sets every CNI_* variable, empty. */
const noContainerEnv = (command: Command): Record<string, string> =>
  ({ CNI_COMMAND: command, CNI_CONTAINERID: '', CNI_NETNS: '', CNI_IFNAME: '', CNI_ARGS: '' });

/**
 * A cached result as prevResult for `version`: libcni converts it to the list's version (the
 * list may have changed since ADD), e.g. ips[].version appears below 1.0.0 and goes from it.
 * Pre-0.3.0 results (another shape altogether) are passed as they were cached.
 */
function cachedPrevResult(result: CniResult | undefined, version: string): CniResult | undefined {
  if (!result || result.cniVersion === version) return result;
  const rich = (v: string) => compareVersions(v, '0.3.0') >= 0;
  return rich(result.cniVersion ?? '') && rich(version) ? libcniResult(convertResult(result, version)) : result;
}

export class CniRuntime {
  constructor(private readonly opts: CniRuntimeOptions) {}

  /** Runs ADD through the conflist's plugins; caches and returns the final result. */
  async addNetwork(rt: RuntimeConf): Promise<CniResult> {
    validateRuntimeConf(rt);
    const loaded = await loadConfList(this.opts.confDir);
    const result = await this.addList(loaded.list, rt);
    await writeCache(this.opts.cacheDir, {
      kind: 'cniCacheV1', containerId: rt.containerId, config: loaded.bytes.toString('base64'), ifName: rt.ifName,
      networkName: loaded.list.name, netns: rt.netns, cniArgs: rt.args ?? [], capabilityArgs: rt.capabilityArgs ?? {}, result,
    });
    return result;
  }

  /** Runs DEL in reverse order with the cached result as prevResult; succeeds on what is gone. */
  async delNetwork(rt: RuntimeConf): Promise<void> {
    validateRuntimeConf(rt);
    const { list, key } = await this.listForTeardown(rt);
    const cached = await readCache(this.opts.cacheDir, key);
    const version = negotiateVersion(list);
    const prev = compareVersions(version, '0.4.0') >= 0 ? cachedPrevResult(cached?.result, version) : undefined;
    for (let i = list.plugins.length - 1; i >= 0; i--) {
      await this.invoke('DEL', list, i, version, rt, prev);
    }
    await deleteCache(this.opts.cacheDir, key);
  }

  /**
   * Runs CHECK in order against the cached ADD result; a no-op when disableCheck. Without a
   * cache entry the plugins run without prevResult and report that themselves, as with libcni.
   */
  async checkNetwork(rt: RuntimeConf): Promise<void> {
    validateRuntimeConf(rt);
    const { list } = await loadConfList(this.opts.confDir);
    const version = negotiateVersion(list);
    if (compareVersions(version, '0.4.0') < 0) throw new CniError(CniErrorCode.IncompatibleVersion, `cni: CHECK needs version 0.4.0 or later, config is ${version}`);
    if (list.disableCheck) return;
    const cached = await readCache(this.opts.cacheDir, { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName });
    const prev = cachedPrevResult(cached?.result, version);
    for (let i = 0; i < list.plugins.length; i++) await this.invoke('CHECK', list, i, version, rt, prev);
  }

  /**
   * Garbage collection (libcni GCNetworkList, 1.2+): nothing at all when disableGC; else DEL
   * every cached attachment of the network that is not in `valid` (with the current list),
   * then, for spec 1.1.0 and later, GC in every plugin with the valid list (under both keys
   * libcni sends: the spec's `cni.dev/valid-attachments` and the older `cni.dev/attachments`).
   * Keeps going past failures and throws them together at the end. Returns what it deleted.
   * As the spec requires, the caller must not run it concurrently with ADD or DEL.
   */
  async gcNetwork(valid: ReadonlyArray<{ containerId: string; ifName: string }>): Promise<CacheKey[]> {
    const { list } = await loadConfList(this.opts.confDir);
    if (list.disableGC) return [];
    // A cache write cut by kill -9 leaves its temp file; its writer is dead, so it is garbage.
    await removeStaleTemps(this.opts.cacheDir, list.name);
    const isValid = (k: CacheKey) => valid.some((v) => v.containerId === k.containerId && v.ifName === k.ifName);
    const errors: unknown[] = [];
    const deleted: CacheKey[] = [];
    for (const e of await listCache(this.opts.cacheDir, list.name)) {
      if (isValid(e)) continue;
      const rt = { containerId: e.containerId, netns: e.netns ?? '', ifName: e.ifName, args: e.cniArgs, capabilityArgs: e.capabilityArgs };
      await this.delNetwork(rt).then(() => deleted.push({ networkName: e.networkName, containerId: e.containerId, ifName: e.ifName }), (x) => errors.push(x));
    }
    const version = negotiateVersion(list);
    if (compareVersions(version, '1.1.0') >= 0) {
      const attachments = valid.map((v) => ({ containerID: v.containerId, ifname: v.ifName }));
      for (let i = 0; i < list.plugins.length; i++) {
        const conf = { ...buildPluginConf(list, i, version), 'cni.dev/valid-attachments': attachments, 'cni.dev/attachments': attachments };
        await this.exec(list.plugins[i].type, conf, noContainerEnv('GC')).catch((x) => errors.push(x));
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `cni: GC of ${list.name}: ${errors.length} error(s): ${errors.map((x) => (x as Error).message).join('; ')}`);
    return deleted;
  }

  /**
   * STATUS (libcni GetStatusNetworkList): every plugin in order, the first failure thrown
   * (code 50/51 from the plugin: not ready for ADD). Before spec 1.1.0 there is no STATUS
   * and the network counts as ready.
   */
  async statusNetwork(): Promise<void> {
    const { list } = await loadConfList(this.opts.confDir);
    const version = negotiateVersion(list);
    if (compareVersions(version, '1.1.0') < 0) return;
    for (let i = 0; i < list.plugins.length; i++) {
      await this.exec(list.plugins[i].type, buildPluginConf(list, i, version), noContainerEnv('STATUS'));
    }
  }

  /** `lo` up in the pod through the loopback plugin with an inline config, as containerd does. */
  async addLoopback(rt: Omit<RuntimeConf, 'ifName'> & { ifName?: string }): Promise<CniResult> {
    const r = { ...rt, ifName: rt.ifName ?? 'lo' };
    validateRuntimeConf(r);
    return this.addList(LOOPBACK_CONF, r);
  }

  async delLoopback(rt: Omit<RuntimeConf, 'ifName'> & { ifName?: string }): Promise<void> {
    const r = { ...rt, ifName: rt.ifName ?? 'lo' };
    validateRuntimeConf(r);
    await this.invoke('DEL', LOOPBACK_CONF, 0, LOOPBACK_CONF.cniVersion, r, undefined);
  }

  private async addList(list: NetConfList, rt: RuntimeConf): Promise<CniResult> {
    validateNetworkName(list.name);
    const version = negotiateVersion(list);
    let prev: CniResult | undefined;
    for (let i = 0; i < list.plugins.length; i++) {
      const out = await this.invoke('ADD', list, i, version, rt, prev);
      try {
        prev = libcniResult(JSON.parse(out) as CniResult);
      } catch (e) {
        throw new CniError(CniErrorCode.DecodingFailure, `cni: ${list.plugins[i].type} ADD: cannot decode result`, (e as Error).message);
      }
    }
    return prev!;
  }

  /** The current conflist, or the one cached at ADD time when the directory has none. */
  private async listForTeardown(rt: RuntimeConf): Promise<{ list: NetConfList; key: CacheKey }> {
    const keyFor = (networkName: string): CacheKey => ({ networkName, containerId: rt.containerId, ifName: rt.ifName });
    try {
      const loaded = await loadConfList(this.opts.confDir);
      return { list: loaded.list, key: keyFor(loaded.list.name) };
    } catch (e) {
      if (!(e instanceof CniError && e.msg.startsWith('cni: no network config'))) throw e;
      const cached = await findCache(this.opts.cacheDir, rt.containerId, rt.ifName);
      if (!cached) throw e;
      return { list: parseConfList(Buffer.from(cached.config, 'base64'), 'cached config'), key: keyFor(cached.networkName) };
    }
  }

  private async invoke(command: Command, list: NetConfList, i: number, version: string, rt: RuntimeConf, prev?: CniResult): Promise<string> {
    const conf = buildPluginConf(list, i, version, rt.capabilityArgs, prev);
    return this.exec(list.plugins[i].type, conf, {
      CNI_COMMAND: command,
      CNI_CONTAINERID: rt.containerId,
      CNI_NETNS: rt.netns,
      CNI_IFNAME: rt.ifName,
      CNI_ARGS: cniArgsString(rt.args),
    });
  }

  private async exec(type: string, conf: Record<string, unknown>, cniEnv: Record<string, string>): Promise<string> {
    const bin = await findInPath(type, this.opts.binDirs);
    const env = { ...process.env, ...this.opts.env, ...cniEnv, CNI_PATH: this.opts.binDirs.join(':') };
    return execPlugin({ type, bin, stdin: JSON.stringify(conf), env, netns: this.opts.hostNetns, direct: this.opts.directShims ?? false });
  }
}

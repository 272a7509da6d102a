/**
 * Twin "sides" for comparing two CNI runtimes: each side has its own node netns, conf dir,
 * host-local store, result cache, CNI server and recorder log, so the same calls made by
 * libcni on one side and podnet's CniRuntime on the other leave comparable traces.
 */
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CniRuntime, type RuntimeConf } from '../../src/cni/runtime.js';
import { type CniServer, startCniServer } from '../../src/cni/server.js';
import { type CniFixture, SHIM_DIR, netnsPath } from './cni-fixture.js';
import { type LibcniAnswer, runLibcni } from './cni-runtime-libcni.js';

export class Side {
  readonly root: string;
  readonly confDir: string;
  readonly dataDir: string;
  /** libcni's cache dir; the entries are in `<cacheRoot>/results`. */
  readonly cacheRoot: string;
  readonly log: string;
  node = '';
  private server?: CniServer;

  /** `pluginDir`: podnet's bin/cni (default, through this side's CNI server) or e.g. /usr/lib/cni. */
  constructor(private readonly fx: CniFixture, readonly tag: string, readonly recDir: string, readonly pluginDir = SHIM_DIR) {
    this.root = join(fx.dir, tag);
    this.confDir = join(this.root, 'net.d');
    this.dataDir = join(this.root, 'networks');
    this.cacheRoot = join(this.root, 'cache');
    this.log = join(this.root, 'record.log');
  }

  get socket(): string {
    return join(this.root, 'agent.sock');
  }

  get cniPath(): string[] {
    return [this.recDir, this.pluginDir];
  }

  async start(): Promise<this> {
    await mkdir(this.confDir, { recursive: true });
    this.node = await this.fx.netns(`${this.tag}node`);
    this.server = await startCniServer({ socketPath: this.socket, hostNetns: this.node });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  /** A pod netns `<prefix><tag><name>`; returns its path. */
  async pod(name: string): Promise<string> {
    return netnsPath(await this.fx.netns(`${this.tag}${name}`));
  }

  async writeConf(make: (s: Side) => Record<string, unknown>, file = '10-net.conflist'): Promise<void> {
    await writeFile(join(this.confDir, file), JSON.stringify(make(this), null, 2) + '\n');
  }

  /** podnet's runtime on this side, exec'ing the plugins as libcni does. */
  runtime(confDir = this.confDir): CniRuntime {
    return new CniRuntime({
      confDir, binDirs: this.cniPath, cacheDir: join(this.cacheRoot, 'results'), hostNetns: this.node,
      env: { PODNET_CNI_SOCKET: this.socket },
    });
  }

  libcni(bin: string, command: 'add' | 'check' | 'del', rt: RuntimeConf, confDir = this.confDir): Promise<LibcniAnswer> {
    return runLibcni(bin, command, {
      confDir, cacheDir: this.cacheRoot, containerId: rt.containerId, netns: rt.netns, ifName: rt.ifName,
      cniPath: this.cniPath, args: rt.args, capabilityArgs: rt.capabilityArgs, hostNetns: this.node,
      env: { PODNET_CNI_SOCKET: this.socket },
    });
  }

  /** Result cache files: name → { text, mode }. */
  async cacheFiles(): Promise<Record<string, { text: string; mode: number }>> {
    const dir = join(this.cacheRoot, 'results');
    const out: Record<string, { text: string; mode: number }> = {};
    for (const n of (await readdir(dir).catch(() => [] as string[])).sort()) {
      out[n] = { text: await readFile(join(dir, n), 'utf8'), mode: (await stat(join(dir, n))).mode & 0o777 };
    }
    return out;
  }

  /**
   * Blanks what legitimately differs between sides: this side's paths and netns names, MACs
   * and veth names; a cache entry's base64 config is decoded first so it compares as text.
   */
  normalize(text: string, prefix: string): string {
    const decoded = text.replace(/"config":"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) => `"config":${JSON.stringify(Buffer.from(b64, 'base64').toString())}`);
    return decoded
      .replaceAll(this.root, '<root>')
      .replaceAll(`${prefix}${this.tag}`, '<ns>-')
      .replace(/veth[0-9a-f]{8}/g, 'vethX')
      .replace(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/g, 'M');
  }
}

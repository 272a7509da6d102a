/**
 * The proxier's side of the socket process: spawns `ip netns exec <netns> node main.js` with an
 * IPC channel, waits for it to be ready, and sends sync requests, each answered with the proxy
 * ports. If the process dies, pending requests reject and `alive` turns false (the proxier then
 * starts a new one on its next sync).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ServicePortSpec, SyncResult } from './protocol.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const REQUEST_TIMEOUT_MS = 15_000;

interface Pending {
  resolve(result: SyncResult): void;
  reject(e: Error): void;
}

export class SocketProcessClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;

  private constructor(private readonly child: ChildProcess, readonly netns: string, onExit: () => void) {
    child.on('message', (m: ChildMessage) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`userspace proxy: socket process in ${netns} exited (${signal ?? code})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      onExit();
    });
  }

  /** Starts the process in `netns`; resolves once it reported ready. */
  static async start(netns: string, udpIdleTimeoutMs: number, onExit: () => void = () => undefined): Promise<SocketProcessClient> {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, MAIN, String(udpIdleTimeoutMs)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`userspace proxy: socket process in ${netns} did not start within 10 s`)), 10_000);
      child.once('message', () => { clearTimeout(t); resolve(); });
      child.once('exit', (code) => { clearTimeout(t); reject(new Error(`userspace proxy: socket process in ${netns} exited ${code} at start`)); });
      child.once('error', (e) => { clearTimeout(t); reject(e); });
    }).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    return new SocketProcessClient(child, netns, onExit);
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onMessage(m: ChildMessage): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'synced') p.resolve({ proxyPorts: m.proxyPorts, socketErrors: m.socketErrors, nodePortErrors: m.nodePortErrors });
    else p.reject(new Error(`userspace proxy: socket process sync failed: ${m.message}`));
  }

  /** Sends the service ports to serve; resolves with their proxy ports (and node port failures). */
  sync(servicePorts: ServicePortSpec[]): Promise<SyncResult> {
    if (this.exited) return Promise.reject(new Error(`userspace proxy: socket process in ${this.netns} is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`userspace proxy: socket process did not answer sync ${id} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      const done = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => { clearTimeout(t); f(...a); };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.child.send({ type: 'sync', id, servicePorts });
    });
  }

  /** Ends the process (closing the channel makes it exit; SIGTERM if it lingers) and waits. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect();
    const t = setTimeout(() => this.child.kill('SIGTERM'), 2000);
    await gone;
    clearTimeout(t);
  }
}

/**
 * The health server's child process (server-main.ts in the node netns), kept running: it is sent
 * the latest state as a JSON line, and if it dies unexpectedly it is started again after
 * RESTART_DELAY_MS with that state (upstream retries its healthz server every 5 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./server-main.js', import.meta.url));
export const RESTART_DELAY_MS = 5000;

function spawnServer(netns: string, host: string, port: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, MAIN, host, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  // A write racing the child's death must not crash the agent with EPIPE.
  child.stdin?.on('error', () => undefined);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    console.error(`proxy healthz ${netns}: ${d.toString().trim()}`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`proxy healthz server in ${netns} exited (${code}) before listening on ${host}:${port}: ${err.trim()}`)));
    child.stdout?.once('data', () => resolve(child));
  });
}

export class ServerProcess {
  private last = '';
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(private child: ChildProcess, private readonly args: [string, string, number]) {
    this.watch();
  }

  /** Starts the server; rejects when it cannot listen (the error carries its stderr). */
  static async start(netns: string, host: string, port: number): Promise<ServerProcess> {
    return new ServerProcess(await spawnServer(netns, host, port), [netns, host, port]);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(state: object): void {
    this.last = `${JSON.stringify(state)}\n`;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin?.write(this.last);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin?.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private watch(): void {
    this.child.once('exit', (code, signal) => {
      if (this.stopped) return;
      console.error(`proxy healthz ${this.args[0]}: server exited (${code ?? signal}); restarting in ${RESTART_DELAY_MS} ms`);
      this.restartTimer = setTimeout(() => void this.restart(), RESTART_DELAY_MS);
    });
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    try {
      this.child = await spawnServer(...this.args);
      if (this.stopped) return void this.child.stdin?.end();
      if (this.last) this.child.stdin?.write(this.last);
      this.watch();
    } catch (e) {
      console.error(`proxy healthz ${this.args[0]}:`, e instanceof Error ? e.message : e);
      this.restartTimer = setTimeout(() => void this.restart(), RESTART_DELAY_MS);
    }
  }
}

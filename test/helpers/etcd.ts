/**
 * A real etcd for tests: Debian's etcd-server on 127.0.0.1 with free client and peer ports and a
 * throwaway data dir, removed on stop() (and when the test process exits, should a test forget).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = process.env.PODNET_ETCD_BIN ?? '/usr/bin/etcd';

export interface EtcdServer {
  /** `http://127.0.0.1:<port>`, the client URL. */
  endpoint: string;
  dataDir: string;
  readonly pid: number;
  /** Kills etcd (SIGKILL: its data dir is thrown away anyway) and removes the data dir. */
  stop(): Promise<void>;
  /** kill -9 etcd and start it again on the same ports and data dir (a crash and recovery). */
  restart(): Promise<void>;
}

/** A port the kernel says is free right now (bound then released on loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('etcd helper: no port'))));
    });
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

function etcdArgs(dataDir: string, client: number, peer: number): string[] {
  const c = `http://127.0.0.1:${client}`;
  const p = `http://127.0.0.1:${peer}`;
  return [
    '--name', 'test', '--data-dir', dataDir,
    '--listen-client-urls', c, '--advertise-client-urls', c,
    '--listen-peer-urls', p, '--initial-advertise-peer-urls', p,
    '--initial-cluster', `test=${p}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-level', 'error',
  ];
}

async function waitHealthy(child: ChildProcess, endpoint: string, log: () => string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd helper: etcd exited (${child.exitCode ?? child.signalCode}) before serving: ${log()}`);
    }
    if (await healthy(endpoint)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd helper: etcd at ${endpoint} not healthy after 15 s: ${log()}`);
}

/** One etcd process on fixed ports and data dir; `stderr` keeps its last output for errors. */
function spawnEtcd(dataDir: string, client: number, peer: number): { child: ChildProcess; stderr: () => string } {
  const child = spawn(ETCD_BIN, etcdArgs(dataDir, client, peer), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  // etcd must not keep the test process alive (a process-wide etcd is killed on 'exit').
  child.unref();
  (child.stderr as unknown as { unref(): void }).unref();
  return { child, stderr: () => stderr };
}

/** Waits for the exit (ref'd again meanwhile, so that waiting keeps the process alive). */
const exited = (c: ChildProcess): Promise<unknown> =>
  new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r(null);
    c.ref();
    c.once('exit', r);
  });

/** Starts a single-member etcd; retries with new ports if a port was taken meanwhile. */
export async function startEtcd(): Promise<EtcdServer> {
  if (!existsSync(ETCD_BIN)) throw new Error(`etcd helper: ${ETCD_BIN} is missing (apt-get install -y etcd-server)`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'podnet-etcd-'));
    const [client, peer] = [await freePort(), await freePort()];
    const endpoint = `http://127.0.0.1:${client}`;
    let proc = spawnEtcd(dataDir, client, peer);
    const killNow = (): void => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    };
    const onExit = (): void => {
      killNow();
      rmSync(dataDir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    const server: EtcdServer = {
      endpoint,
      dataDir,
      get pid() {
        return proc.child.pid!;
      },
      async stop() {
        process.removeListener('exit', onExit);
        const done = exited(proc.child);
        killNow();
        await done;
        rmSync(dataDir, { recursive: true, force: true });
      },
      async restart() {
        const done = exited(proc.child);
        killNow();
        await done;
        proc = spawnEtcd(dataDir, client, peer);
        await waitHealthy(proc.child, endpoint, proc.stderr);
      },
    };
    try {
      await waitHealthy(proc.child, endpoint, proc.stderr);
      return server;
    } catch (e) {
      lastError = e;
      await server.stop();
    }
  }
  throw lastError;
}

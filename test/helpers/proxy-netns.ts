/**
 * Namespaces for proxy and overlay integration tests: a node netns with a `cni0` bridge, pod
 * netns wired to it by veth (both ends created inside our namespaces), a tiny HTTP server that
 * answers with the client address it sees, and a cleanup that removes everything with the
 * run's prefix. Nothing touches the host namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { ip, ipBatch, run, sysctl } from '../../src/dataplane/exec.js';
import { netnsAdd, netnsDel, netnsList } from '../../src/dataplane/netns.js';

/** `t<5 random [a-z0-9]>-`: unique per run so tests can run in parallel. */
export function testPrefix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return 't' + Array.from(randomBytes(5), (b) => alphabet[b % alphabet.length]).join('') + '-';
}

/** A node namespace: forwarding on, bridge netfilter on, `cni0` with `gwCIDR` (e.g. 10.244.0.1/24). */
export async function makeNode(ns: string, gwCIDR: string): Promise<void> {
  await netnsAdd(ns);
  await sysctl(ns, { 'net.ipv4.ip_forward': 1 });
  await ipBatch(ns, ['link add cni0 type bridge', `addr add ${gwCIDR} dev cni0`, 'link set cni0 up']);
  // Needs the bridge to exist in this netns first (br_netfilter's per-netns switch).
  await sysctl(ns, { 'net.bridge.bridge-nf-call-iptables': 1 });
}

/** A pod namespace with `eth0` = `ipCIDR` on the node's cni0, default route via `gw`. */
export async function makePod(node: string, pod: string, hostVeth: string, ipCIDR: string, gw: string, hairpin = true): Promise<void> {
  await netnsAdd(pod);
  await ip(undefined, ['link', 'add', 'eth0', 'netns', pod, 'type', 'veth', 'peer', 'name', hostVeth, 'netns', node]);
  await ipBatch(node, [`link set ${hostVeth} master cni0`, `link set ${hostVeth} up`]);
  // Hairpin lets a pod reach itself through its service (the bridge plugin's hairpinMode).
  if (hairpin) await run('bridge', ['-n', node, 'link', 'set', 'dev', hostVeth, 'hairpin', 'on']);
  await ipBatch(pod, [`addr add ${ipCIDR} dev eth0`, 'link set eth0 up', `route add default via ${gw}`]);
}

const SERVER_JS = `
const http = require('http');
const who = process.argv[2] === 'whoami';
http.createServer((q, s) => s.end((who ? q.socket.localAddress : q.socket.remoteAddress).replace('::ffff:', ''))).listen(Number(process.argv[1]), '0.0.0.0', () => console.log('listening'));
`;

/**
 * Starts an HTTP server in `ns` on `port` whose body is the client IP it sees (`client`) or its
 * own address (`whoami`, to tell endpoints apart).
 */
export async function startEchoServer(ns: string, port = 80, mode: 'client' | 'whoami' = 'client'): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER_JS, String(port), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`echo server in ${ns} did not start`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`echo server in ${ns} exited ${code}`)));
  });
  return child;
}

export interface CurlResult { code: number | null; body: string; ms: number }

/** `curl` from inside `ns`; exit code 7 means connection refused. */
export async function curl(ns: string, url: string, timeoutS = 5): Promise<CurlResult> {
  const t0 = Date.now();
  const r = await run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', String(timeoutS), url], { allowFailure: true });
  return { code: r.code, body: r.stdout, ms: Date.now() - t0 };
}

/** Deletes every netns and /etc/netns entry with `prefix`. */
export async function cleanupPrefix(prefix: string): Promise<void> {
  for (const ns of await netnsList(prefix)) await netnsDel(ns);
  if (existsSync('/etc/netns')) {
    for (const d of readdirSync('/etc/netns')) if (d.startsWith(prefix)) rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
  }
}

/** What is left with `prefix` (netns names and /etc/netns entries): must be empty after cleanup. */
export async function leftovers(prefix: string): Promise<string[]> {
  const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((d) => d.startsWith(prefix)) : [];
  return [...(await netnsList(prefix)), ...etc.map((d) => `/etc/netns/${d}`)];
}

/** Kills a child started with `ip netns exec` and waits for it. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await done;
}

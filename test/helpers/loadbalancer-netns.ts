/**
 * A hand-built node network for load-balancer tests: an underlay bridge, two node namespaces and
 * an outside host on it (veth pairs made directly inside our namespaces), each node running an
 * HTTP server that answers with the node's name, so a client sees which node holds an address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ipJson, run } from '../../src/dataplane/exec.js';
import { attachNode, makeUnderlay } from './overlay-underlay.js';

const NAME_SERVER_JS = `
require('http').createServer((q, s) => s.end(process.argv[2])).listen(Number(process.argv[1]), '0.0.0.0', () => console.log('listening'));
`;

/** An HTTP server in `ns` on `port` whose body is `name`. */
export async function startNameServer(ns: string, name: string, port = 80): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', NAME_SERVER_JS, String(port), name], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`name server in ${ns} did not start`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`name server in ${ns} exited ${code}`)));
  });
  return child;
}

export interface L2Network {
  underlay: string;
  nodes: { name: string; netns: string; ip: string }[];
  outside: string;
}

/** `<prefix>u` with br0, `<prefix>node1/2` at 172.18.0.11/.12, `<prefix>out` at 172.18.0.200. */
export async function makeL2Network(prefix: string): Promise<L2Network> {
  const net: L2Network = {
    underlay: `${prefix}u`,
    nodes: [1, 2].map((i) => ({ name: `node${i}`, netns: `${prefix}node${i}`, ip: `172.18.0.${10 + i}` })),
    outside: `${prefix}out`,
  };
  await makeUnderlay(net.underlay);
  for (const n of net.nodes) await attachNode(net.underlay, n.netns, `veth-${n.name}`, `${n.ip}/16`);
  await attachNode(net.underlay, net.outside, 'veth-out', '172.18.0.200/16');
  for (const ns of [...net.nodes.map((n) => n.netns), net.outside]) await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return net;
}

/** The MAC address of `dev` in `ns`. */
export async function macOf(ns: string, dev = 'eth0'): Promise<string> {
  const [link] = await ipJson<Array<{ address?: string }>>(ns, ['link', 'show', 'dev', dev]);
  return link?.address ?? '';
}

/** The outside host's neighbour entry for `addr`: its MAC, or undefined. */
export async function neighMac(ns: string, addr: string): Promise<string | undefined> {
  const entries = await ipJson<Array<{ dst?: string; lladdr?: string }>>(ns, ['neigh', 'show', addr]);
  return entries.find((e) => e.dst === addr)?.lladdr;
}

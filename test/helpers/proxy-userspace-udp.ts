/**
 * UDP ends for the userspace proxy tests, run with `ip netns exec`: a server that answers
 * `<name> <datagram>`, and a client that sends one datagram (optionally from a fixed source
 * port, so successive asks are one UDP "connection") and prints `<from ip>:<port> <reply>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { run } from '../../src/dataplane/exec.js';

const UDP_SERVER = `
const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(process.argv[2] + ' ' + m, r.port, r.address));
s.bind(Number(process.argv[1]), () => console.log('listening'));`;

const UDP_CLIENT = `
const s = require('dgram').createSocket('udp4');
const t = setTimeout(() => { console.log('timeout'); process.exit(1); }, Number(process.argv[4] || 3000));
s.on('message', (m, r) => { clearTimeout(t); console.log(r.address + ':' + r.port + ' ' + m); s.close(); });
const send = () => s.send('ping', Number(process.argv[2]), process.argv[1]);
if (process.argv[3] !== '0') s.bind(Number(process.argv[3]), send); else send();`;

/** Starts a UDP server in `ns` on `port` answering `<name> <datagram>`; resolves once bound. */
export async function startUdpServer(ns: string, port: number, name: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', UDP_SERVER, String(port), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`udp server in ${ns} exited ${c}`)));
  });
  return child;
}

/** One datagram from `ns` to host:port and its reply (`from text`), or `timeout`. */
export async function udpAsk(ns: string, host: string, port: number, sourcePort = 0, timeoutMs = 3000): Promise<string> {
  const args = ['netns', 'exec', ns, process.execPath, '-e', UDP_CLIENT, host, String(port), String(sourcePort), String(timeoutMs)];
  return (await run('ip', args, { allowFailure: true })).stdout.trim();
}

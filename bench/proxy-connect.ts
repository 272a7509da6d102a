/**
 * Per-flow times from the client pod, measured by a small Node program run inside the client's
 * netns: targets are interleaved sample by sample, so load drift on a shared machine hits them
 * alike. Each sample is a new flow, so its SYN takes the proxy's DNAT path (the first packet).
 * Two measures: `connect` stops at the handshake; `first-response` sends one HTTP request and
 * stops at the first byte back. Where the handshake is all the kernel's (nftables, iptables: the
 * SYN is DNATed straight to the pod) a connect time says it all; in userspace mode the proxy
 * accepts the connection itself and only then connects to the endpoint, so the handshake alone
 * would hide the proxy's second leg.
 */
import { run } from '../src/dataplane/exec.js';

export type FlowMeasure = 'connect' | 'first-response';

const FLOW_JS = `
const net = require('net');
const [measure, port, samples, warmup, ...hosts] = process.argv.slice(1);
const once = (host) => new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  const done = () => { const t = Number(process.hrtime.bigint() - t0) / 1e6; s.destroy(); resolve(t); };
  const s = net.connect({ host, port: Number(port) });
  s.setTimeout(3000, () => { s.destroy(); reject(new Error(measure + ' to ' + host + ' timed out')); });
  s.on('error', reject);
  if (measure === 'connect') s.on('connect', done);
  else { s.on('connect', () => s.write('GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n')); s.once('data', done); }
});
(async () => {
  const out = hosts.map(() => []);
  for (let i = 0; i < Number(warmup) + Number(samples); i++) {
    for (const [h, host] of hosts.entries()) {
      const t = await once(host);
      if (i >= Number(warmup)) out[h].push(t);
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

/** Times (ms) per host for `measure`, `samples` each after `warmup` unrecorded rounds. */
export async function flowTimes(measure: FlowMeasure, clientNs: string, hosts: readonly string[], port: number, samples: number, warmup = 50): Promise<number[][]> {
  const r = await run('ip', ['netns', 'exec', clientNs, process.execPath, '-e', FLOW_JS, measure, String(port), String(samples), String(warmup), ...hosts]);
  return JSON.parse(r.stdout) as number[][];
}

/** TCP connect times (ms) per host. */
export const connectTimes = (clientNs: string, hosts: readonly string[], port: number, samples: number, warmup = 50): Promise<number[][]> =>
  flowTimes('connect', clientNs, hosts, port, samples, warmup);

/** Times (ms) to the first response byte of one HTTP request per host. */
export const firstResponseTimes = (clientNs: string, hosts: readonly string[], port: number, samples: number, warmup = 50): Promise<number[][]> =>
  flowTimes('first-response', clientNs, hosts, port, samples, warmup);

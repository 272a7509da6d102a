/**
 * TCP connect times from the client pod, measured by a small Node program run inside the
 * client's netns: targets are interleaved sample by sample, so load drift on a shared machine
 * hits them alike. Each connect is a new flow, so its SYN takes the proxy's DNAT path (the
 * first packet); the socket is then closed.
 */
import { run } from '../src/dataplane/exec.js';

const CONNECT_JS = `
const net = require('net');
const [port, samples, warmup, ...hosts] = process.argv.slice(1);
const once = (host) => new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  const s = net.connect({ host, port: Number(port) });
  s.setTimeout(3000, () => { s.destroy(); reject(new Error('connect to ' + host + ' timed out')); });
  s.on('error', reject);
  s.on('connect', () => { const t = Number(process.hrtime.bigint() - t0) / 1e6; s.destroy(); resolve(t); });
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

/** Connect times (ms) per host, `samples` each after `warmup` unrecorded rounds. */
export async function connectTimes(clientNs: string, hosts: readonly string[], port: number, samples: number, warmup = 50): Promise<number[][]> {
  const r = await run('ip', ['netns', 'exec', clientNs, process.execPath, '-e', CONNECT_JS, String(port), String(samples), String(warmup), ...hosts]);
  return JSON.parse(r.stdout) as number[][];
}

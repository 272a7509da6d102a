/**
 * Time to the first response byte from the client pod: connect, send one HTTP request, wait for
 * the first byte back. Where the TCP handshake is all the kernel's (nftables, iptables: the SYN
 * is DNATed straight to the pod), a connect time says it all; in userspace mode the proxy
 * accepts the connection itself and only then connects to the endpoint, so the handshake alone
 * would hide the proxy's second leg. Targets interleave sample by sample, as connectTimes.
 */
import { run } from '../src/dataplane/exec.js';

const FIRST_RESPONSE_JS = `
const net = require('net');
const [port, samples, warmup, ...hosts] = process.argv.slice(1);
const once = (host) => new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  const s = net.connect({ host, port: Number(port) });
  s.setTimeout(3000, () => { s.destroy(); reject(new Error('request to ' + host + ' timed out')); });
  s.on('error', reject);
  s.on('connect', () => s.write('GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n'));
  s.once('data', () => { const t = Number(process.hrtime.bigint() - t0) / 1e6; s.destroy(); resolve(t); });
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

/** First-response times (ms) per host to an HTTP server on `port`, `samples` each after `warmup`. */
export async function firstResponseTimes(clientNs: string, hosts: readonly string[], port: number, samples: number, warmup = 50): Promise<number[][]> {
  const r = await run('ip', ['netns', 'exec', clientNs, process.execPath, '-e', FIRST_RESPONSE_JS, String(port), String(samples), String(warmup), ...hosts]);
  return JSON.parse(r.stdout) as number[][];
}

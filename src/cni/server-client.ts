/**
 * The client side of the CNI server protocol (what the `bin/cni` shims do with curl), for a
 * runtime in the same machine that would rather not exec `ip netns exec` + sh + curl per
 * call: POST the config with the CNI_* variables as `Cni-*` headers to the agent's socket.
 */
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';

/** The CNI_* variables that travel as headers. */
export const CNI_ENV_VARS = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'] as const;

/** `CNI_CONTAINERID` travels as the header `cni-containerid`. */
export const headerFor = (envName: string): string => envName.toLowerCase().replace('_', '-');

const SHIM_MARKER = '# podnet-cni-shim';
const shimCache = new Map<string, boolean>();

/** Whether `bin` is one of podnet's thin shims (its second line carries the marker). */
export async function isPodnetShim(bin: string): Promise<boolean> {
  let known = shimCache.get(bin);
  if (known === undefined) {
    const head = await readFile(bin).then((b) => b.subarray(0, 256).toString('latin1'), () => '');
    known = head.split('\n', 3)[1]?.startsWith(SHIM_MARKER) ?? false;
    shimCache.set(bin, known);
  }
  return known;
}

export interface ServerAnswer {
  status: number;
  body: string;
}

/** One plugin call over the socket; resolves with the HTTP status and the plugin's output. */
export function callCniServer(socketPath: string, type: string, env: Record<string, string | undefined>, stdin: string): Promise<ServerAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of CNI_ENV_VARS) {
    const v = env[name];
    if (v !== undefined) headers[headerFor(name)] = v;
  }
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path: `/v1/plugins/${encodeURIComponent(type)}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(stdin);
  });
}

/**
 * Standalone plugin entry: `node dist/src/cni/main.js <type>` reads the CNI_* environment and
 * the config on stdin, acts on the namespace it runs in, prints the result (or error JSON)
 * and exits non-zero on error, as any CNI plugin binary. IPAM is exec'd from CNI_PATH, or
 * called in-process when CNI_PATH's binary is podnet's own shim (see standaloneIpam).
 */
import { pluginFor, standaloneIpam } from './plugins/registry.js';
import { runPlugin } from './skel.js';
import { CniError, CniErrorCode } from './types.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const type = process.argv[2] ?? '';
  const plugin = pluginFor(type);
  if (!plugin) {
    const err = new CniError(CniErrorCode.InvalidNetworkConfig, `podnet cni: unknown plugin type ${JSON.stringify(type)}`);
    process.stdout.write(JSON.stringify(err.toJSON()));
    return 1;
  }
  const out = await runPlugin(plugin, process.env, await readStdin(), { env: process.env, ipam: standaloneIpam });
  process.stdout.write(out.stdout);
  return out.exitCode;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`podnet cni: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);

/**
 * CNI ADD per pod through CniRuntime: podnet delegated (shim → CNI server, bridge + in-process
 * host-local) vs Debian's reference /usr/lib/cni/bridge + host-local, on this machine, 20 pods
 * each, fresh namespaces. Prints median and p90 per mode and the ratio podnet/reference.
 * Usage: node dist/bench/cni-add.js [pods] [--standalone]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CniRuntime } from '../src/cni/runtime.js';
import { startCniServer } from '../src/cni/server.js';
import { CniFixture, REFERENCE_DIR, SHIM_DIR, netnsPath } from '../test/helpers/cni-fixture.js';

interface Stats {
  median: number;
  p90: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2, p90: at(0.9) };
}

interface Mode {
  /** Creates a fresh pod netns and times one ADD into it. */
  addOne(i: number): Promise<number>;
  close(): Promise<void>;
}

async function setupMode(fx: CniFixture, tag: string, binDir: string, delegated: boolean, directShims = true): Promise<Mode> {
  const node = await fx.netns(`${tag}n`);
  const confDir = join(fx.dir, tag, 'net.d');
  await mkdir(confDir, { recursive: true });
  await writeFile(join(confDir, '10-bench.conflist'), JSON.stringify({
    cniVersion: '1.0.0', name: 'bench',
    plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.253.0.0/24' }]], dataDir: join(fx.dir, tag, 'networks') } }],
  }));
  const socketPath = join(fx.dir, tag, 'agent.sock');
  const server = delegated ? await startCniServer({ socketPath, hostNetns: node }) : undefined;
  const rt = new CniRuntime({
    confDir, binDirs: [binDir], cacheDir: join(fx.dir, tag, 'results'), hostNetns: node,
    env: delegated ? { PODNET_CNI_SOCKET: socketPath } : {}, directShims,
  });
  return {
    async addOne(i) {
      const pod = await fx.netns(`${tag}p${i}`);
      const t0 = performance.now();
      await rt.addNetwork({ containerId: `bench${i}`, netns: netnsPath(pod), ifName: 'eth0', args: [['K8S_POD_NAME', `p${i}`]] });
      return performance.now() - t0;
    },
    close: async () => server?.close(),
  };
}

/** Pod i of every mode runs back to back, so load drift on a shared machine hits all modes alike. */
async function interleaved(modes: Mode[], pods: number): Promise<number[][]> {
  const times = modes.map(() => [] as number[]);
  for (let i = 0; i < pods; i++) {
    for (const [m, mode] of modes.entries()) times[m].push(await mode.addOne(i));
  }
  return times;
}

const fmt = (s: Stats) => `median ${s.median.toFixed(1)} ms, p90 ${s.p90.toFixed(1)} ms`;

async function main(): Promise<void> {
  const pods = Number(process.argv[2] ?? 20);
  const standalone = process.argv.includes('--standalone');
  const fx = await new CniFixture().setup();
  const modes: Mode[] = [];
  try {
    modes.push(await setupMode(fx, 'r', REFERENCE_DIR, false));
    modes.push(await setupMode(fx, 'd', SHIM_DIR, true));
    modes.push(await setupMode(fx, 'c', SHIM_DIR, true, false));
    if (standalone) modes.push(await setupMode(fx, 's', SHIM_DIR, false));
    const [ref, ours, viaCurl, alone] = (await interleaved(modes, pods)).map(stats);
    console.log(`CNI ADD, ${pods} pods each, bridge + host-local, via CniRuntime, modes interleaved per pod`);
    console.log(`  reference /usr/lib/cni:                    ${fmt(ref)}`);
    console.log(`  podnet delegated, runtime → socket:        ${fmt(ours)}`);
    console.log(`  ratio podnet/reference:                    median ${(ours.median / ref.median).toFixed(2)}x, p90 ${(ours.p90 / ref.p90).toFixed(2)}x`);
    console.log(`  podnet delegated, exec'd shim (sh + curl): ${fmt(viaCurl)}  (median ${(viaCurl.median / ref.median).toFixed(2)}x)`);
    if (alone) console.log(`  podnet standalone (node per exec):         ${fmt(alone)}  (median ${(alone.median / ref.median).toFixed(2)}x)`);
  } finally {
    for (const m of modes) await m.close();
    await fx.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

/**
 * Sequential creates through the Store interface: the embedded SQLite store against the
 * in-memory store (the reference, measured in the same run). Usage: node dist/bench/store-creates.js [N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';

const n = Number(process.argv[2] ?? 5000);
const value = JSON.stringify({ kind: 'ConfigMap', data: { blob: 'x'.repeat(1000) } });

async function createsPerSecond(store: Store, prefix: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await store.create(`/registry/configmaps/default/${prefix}-${i}`, value);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const dir = mkdtempSync(join(tmpdir(), 'podnet-bench-store-'));
try {
  const memory = await openStore({ kind: 'memory' });
  const sqlite = await openStore({ kind: 'sqlite', path: join(dir, 'state.db') });
  // Interleave two rounds so machine noise hits both alike.
  const rates = { memory: [] as number[], sqlite: [] as number[] };
  for (const round of [1, 2]) {
    rates.memory.push(await createsPerSecond(memory, `r${round}`));
    rates.sqlite.push(await createsPerSecond(sqlite, `r${round}`));
  }
  const best = (xs: number[]) => Math.max(...xs);
  console.log(`Store sequential creates, ${n} per round, 1 KiB values, best of 2 rounds`);
  console.log(`  memory (reference): ${best(rates.memory).toFixed(0)} /s`);
  console.log(`  sqlite (embedded):  ${best(rates.sqlite).toFixed(0)} /s`);
  console.log(`  ratio sqlite/memory: ${(best(rates.sqlite) / best(rates.memory)).toFixed(3)}`);
  await memory.close();
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Opens the store: SQLite (the default, state survives restarts) or memory (tests). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type StoreOptions = { kind: 'sqlite'; path: string } | { kind: 'memory' };

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.kind === 'memory') return new MemoryStore();
  if (opts.kind === 'sqlite') {
    if (!opts.path) throw new Error('store: Cannot open SQLite store: path is empty');
    mkdirSync(dirname(opts.path), { recursive: true });
    return new SqliteStore(opts.path);
  }
  throw new Error(`store: Unknown store kind "${(opts as { kind: string }).kind}"`);
}

export * from './store.js';
export { MemoryStore } from './memory-store.js';
export { SqliteStore } from './sqlite-store.js';

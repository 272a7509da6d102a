/** Opens the store: SQLite (the default, state survives restarts), etcd v3, or memory (tests). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EtcdStore } from './etcd-store.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type StoreOptions =
  | { kind: 'sqlite'; path: string }
  | { kind: 'memory' }
  /** An external etcd (k3s's --datastore-endpoint); keys go under `prefix` (default none). */
  | { kind: 'etcd'; endpoints: string[]; prefix?: string };

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.kind === 'memory') return new MemoryStore();
  if (opts.kind === 'sqlite') {
    if (!opts.path) throw new Error('store: Cannot open SQLite store: path is empty');
    mkdirSync(dirname(opts.path), { recursive: true });
    return new SqliteStore(opts.path);
  }
  if (opts.kind === 'etcd') return EtcdStore.open({ endpoints: opts.endpoints, prefix: opts.prefix });
  throw new Error(`store: Unknown store kind "${(opts as { kind: string }).kind}"`);
}

export * from './store.js';
export { MemoryStore } from './memory-store.js';
export { SqliteStore } from './sqlite-store.js';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store.js';

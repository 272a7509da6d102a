/**
 * The store an API test runs on, chosen by PODNET_TEST_STORE so that one suite runs on every
 * backend: `memory` (default; SQLite when the test needs a store that survives a restart),
 * `sqlite`, or `etcd` (one real etcd per test process, started on first use, a fresh key
 * prefix per store; the same `path` reopens the same prefix, as the same file reopens SQLite).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { startEtcd, type EtcdServer } from './etcd.js';

export type TestStoreKind = 'memory' | 'sqlite' | 'etcd';

export function testStoreKind(): TestStoreKind {
  const kind = process.env.PODNET_TEST_STORE ?? 'memory';
  if (kind !== 'memory' && kind !== 'sqlite' && kind !== 'etcd') {
    throw new Error(`PODNET_TEST_STORE: Invalid value "${kind}": must be memory, sqlite or etcd`);
  }
  return kind;
}

let shared: Promise<EtcdServer> | undefined;

/** This process's etcd (started once; killed and its data removed when the process exits). */
export function sharedEtcd(): Promise<EtcdServer> {
  shared ??= startEtcd();
  return shared;
}

let scratch: string | undefined;
function scratchDir(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-teststore-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

/**
 * Opens the test's store. `path` names a store that a later call with the same path reopens
 * (restart tests); without it each call gets a new, empty store.
 */
export async function openTestStore(opts: { path?: string } = {}): Promise<Store> {
  const kind = testStoreKind();
  if (kind === 'etcd') {
    const etcd = await sharedEtcd();
    const id = opts.path ? createHash('sha256').update(opts.path).digest('hex').slice(0, 12) : randomBytes(6).toString('hex');
    return openStore({ kind: 'etcd', endpoints: [etcd.endpoint], prefix: `/test/${id}` });
  }
  if (kind === 'sqlite' || opts.path) {
    const path = opts.path ?? join(scratchDir(), randomBytes(6).toString('hex'), 'state.db');
    return openStore({ kind: 'sqlite', path });
  }
  return openStore({ kind: 'memory' });
}

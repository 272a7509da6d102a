/**
 * host-local after a kill -9 between creating an IP's reservation file and writing its owner
 * into it: the empty file matches no container, so no DEL ever releases it and the IP would
 * be lost for good. Under the store's lock no writer can be at work, so an empty reservation
 * older than the grace period is reclaimed by the next reservation of that IP; a fresh one is
 * left alone. Real files.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStore } from '../../../src/cni/ipam/disk-store.js';

describe('host-local reservation left empty by a killed writer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-unwritten-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is reclaimed once older than the grace period; a fresh one is not', async () => {
    mkdirSync(join(dir, 'net'));
    const old = join(dir, 'net', '10.1.0.2');
    writeFileSync(old, '');
    const t = new Date(Date.now() - 10_000);
    utimesSync(old, t, t);
    writeFileSync(join(dir, 'net', '10.1.0.3'), '');
    const store = new DiskStore(dir, 'net');
    await store.lock();
    try {
      assert.equal(await store.reserve('c1', 'eth0', '10.1.0.2', '0'), true);
      assert.equal(readFileSync(old, 'latin1'), 'c1\r\neth0');
      assert.equal(await store.reserve('c2', 'eth0', '10.1.0.3', '0'), false, 'a reservation being written is respected');
    } finally {
      await store.unlock();
    }
  });
});

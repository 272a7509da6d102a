/**
 * host-local's lock after a kill -9: the owner of a left-over `lock.podnet` died, and either
 * its pid now belongs to another live process (pids wrap at 32768 on this machine, within
 * minutes of pod churn) or it died between creating the file and writing its pid. The lock
 * must still count as stale, or every ADD and DEL of the node fails with "Cannot lock" (a
 * churn run wedged a node so). Real files and real processes.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStore } from '../../../src/cni/ipam/disk-store.js';

describe('host-local lock left by a killed owner', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-lock-'));
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  after(() => {
    other.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over when its pid was reused by another process', async () => {
    mkdirSync(join(dir, 'net'), { recursive: true });
    // What a killed owner left, its pid now reused: the start time on record is not the live process's.
    writeFileSync(join(dir, 'net', 'lock.podnet'), `${other.pid} 1`);
    const store = new DiskStore(dir, 'net');
    const t0 = Date.now();
    await store.lock();
    assert.ok(Date.now() - t0 < 2000, `lock took ${Date.now() - t0} ms`);
    const [pid, start] = readFileSync(join(dir, 'net', 'lock.podnet'), 'utf8').split(' ');
    assert.equal(Number(pid), process.pid);
    assert.match(start, /^\d+$/, 'the owner records its start time');
    await store.unlock();
    assert.equal(existsSync(join(dir, 'net', 'lock.podnet')), false);
  });

  it('is taken over when empty and old: its owner was killed between creating and writing it', async () => {
    const path = join(dir, 'net', 'lock.podnet');
    writeFileSync(path, '');
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    const store = new DiskStore(dir, 'net');
    const t0 = Date.now();
    await store.lock();
    assert.ok(Date.now() - t0 < 2000, `lock took ${Date.now() - t0} ms`);
    await store.unlock();
  });

  it('is respected while its owner (same pid, same start time) runs', async () => {
    const start = readFileSync(`/proc/${other.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    writeFileSync(join(dir, 'net', 'lock.podnet'), `${other.pid} ${start}`);
    const store = new DiskStore(dir, 'net');
    let locked = false;
    const p = store.lock().then(() => (locked = true));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(locked, false, 'a live owner keeps the lock');
    other.kill('SIGKILL'); // the owner dies: the lock becomes stale
    await p;
    await store.unlock();
  });
});

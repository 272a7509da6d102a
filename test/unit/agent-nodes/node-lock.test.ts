import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { withNodeLock } from '../../../src/cli/node-lock.js';

describe('node change lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'podnet-nodelock-'));
  mkdirSync(join(root, 'run'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('runs node changes one at a time and releases the lock', async () => {
    const events: string[] = [];
    const change = (id: string) => withNodeLock(root, async () => {
      events.push(`${id} start`);
      await sleep(300);
      events.push(`${id} end`);
    });
    await Promise.all([change('a'), change('b')]);
    assert.deepEqual(events.map((e) => e.split(' ')[1]), ['start', 'end', 'start', 'end']);
    assert.equal(existsSync(join(root, 'run', 'nodes.lock')), false);
  });

  it('takes over a lock whose owner died', async () => {
    const dead = spawnSync('true').pid!;
    writeFileSync(join(root, 'run', 'nodes.lock'), `${dead}\n`);
    assert.equal(await withNodeLock(root, async () => 'ran', 2000), 'ran');
  });

  it('gives up after the timeout while a live process holds it, naming the lock', async () => {
    writeFileSync(join(root, 'run', 'nodes.lock'), `${process.pid}\n`);
    await assert.rejects(withNodeLock(root, async () => 'ran', 500), /Another node add\/remove holds .*nodes\.lock \(pid \d+\)/);
    rmSync(join(root, 'run', 'nodes.lock'));
  });
});

/** Temp files a kill -9 left between writeCache's write and rename: removed once their writer is dead. */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemps } from '../../../src/cni/result-cache.js';

describe('result cache temp files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-cache-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('removes only temps of the network whose writer pid is dead', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const files = [`net-a-eth0.tmp${dead}`, `net-b-eth0.tmp${process.pid}`, 'net-c-eth0', `other-d-eth0.tmp${dead}`];
    for (const f of files) writeFileSync(join(dir, f), '{}');
    assert.deepEqual(await removeStaleTemps(dir, 'net'), [`net-a-eth0.tmp${dead}`]);
    assert.deepEqual(readdirSync(dir).sort(), files.slice(1).sort());
  });
});

/**
 * BirdDaemon's failure paths on a real BIRD: a configuration BIRD rejects fails start() with
 * BIRD's own message and leaves no process (and no restart loop); a broken reconfiguration is
 * refused while the running BIRD keeps its configuration.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BirdDaemon, birdc, renderBirdConfig } from '../../../src/calico/bgp/index.js';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { cleanupPrefix, leftovers, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NS = `${P}node1`;
const dir = mkdtempSync(join(tmpdir(), 'podnet-birdd-'));
const good = renderBirdConfig({ nodeIP: '172.18.0.11', peers: [{ name: 'node2', ip: '172.18.0.12' }], blocks: ['10.244.0.0/26'], pools: ['10.244.0.0/16'] });
const broken = good.replace('local as 64512;', 'local as;');
let bird: BirdDaemon | undefined;
const lines: string[] = [];

/** Every process whose command line names our control socket. */
function birdsWith(ctl: string): number[] {
  return readdirPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(ctl);
    } catch {
      return false;
    }
  });
}
const readdirPids = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number);

before(async () => {
  await netnsAdd(NS);
});

after(async () => {
  await bird?.stop();
  await cleanupPrefix(P);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(await leftovers(P), []);
});

test('a configuration BIRD rejects fails start() with its message; nothing keeps running or restarting', async () => {
  bird = new BirdDaemon({ netns: NS, dir, log: (l) => lines.push(l), restartDelayMs: 100 });
  await assert.rejects(bird.start(broken), /exited \(code 1\) before opening .*bird\.ctl: .*syntax error/);
  await new Promise((r) => setTimeout(r, 800));
  assert.deepEqual(birdsWith(bird.paths.ctl), []);
  assert.equal(bird.starts, 1, 'no restart after a failed start');
});

test('a broken reconfiguration is refused; the running BIRD keeps its configuration', async () => {
  await bird!.start(good);
  const pid = bird!.pid;
  await assert.rejects(bird!.configure(broken), /syntax error/);
  assert.equal(bird!.pid, pid);
  assert.match(await birdc(bird!.paths.ctl, ['show', 'protocols']), /Mesh_172_18_0_12/);
});

test('a BIRD that dies while its file is broken is retried with back-off until a good file comes', async () => {
  // The file is still the broken one the refused reconfiguration left.
  const before = bird!.starts;
  process.kill(bird!.pid!, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(bird!.starts >= before + 2, `restarts tried: ${bird!.starts - before}`);
  assert.equal(bird!.pid, undefined);
  assert.equal(await bird!.configure(good), true);
  const deadline = Date.now() + 15_000;
  while (bird!.pid === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.notEqual(bird!.pid, undefined, 'BIRD did not come back with the good file');
  assert.ok(lines.some((l) => /restart failed: .*syntax error/.test(l)));
  await bird!.stop();
  assert.deepEqual(birdsWith(bird!.paths.ctl), []);
  assert.equal(existsSync(bird!.paths.config), false);
});

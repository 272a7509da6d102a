/**
 * bird.cfg rendering: the golden file of node2 in a 3-node mesh (checked by BIRD's own parser),
 * Calico's unidirectional mesh (exactly one passive side per pair), the edge cases BIRD must
 * still parse (no blocks, no peers), and input errors naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPassiveTowards, meshProtocolName, renderBirdConfig, type BgpPeer } from '../../../src/calico/bgp/index.js';
import { run } from '../../../src/dataplane/exec.js';

const TESTDATA = fileURLToPath(new URL('../../../../test/unit/calico-bgp/testdata/', import.meta.url));
const mesh: BgpPeer[] = [
  { name: 'node1', ip: '172.18.0.11' },
  { name: 'node2', ip: '172.18.0.12' },
  { name: 'node3', ip: '172.18.0.13' },
];

/** `bird -p`: parse the file and exit; the error text names line and column. */
async function birdParse(text: string): Promise<{ code: number | null; err: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-birdp-'));
  try {
    writeFileSync(join(dir, 'bird.cfg'), text);
    const r = await run('bird', ['-p', '-c', join(dir, 'bird.cfg')], { allowFailure: true });
    return { code: r.code, err: r.stderr.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('node2 of a 3-node mesh renders as the golden file, and BIRD 2 parses it', async () => {
  const text = renderBirdConfig({ nodeIP: '172.18.0.12', peers: mesh, blocks: ['10.244.0.64/26', '10.244.1.0/26'], pools: ['10.244.0.0/16'] });
  assert.equal(text, readFileSync(join(TESTDATA, 'node2-of-3.bird.cfg'), 'utf8'));
  assert.deepEqual(await birdParse(text), { code: 0, err: '' });
});

test('a node alone, and a node without blocks yet, still give a configuration BIRD accepts', async () => {
  const alone = renderBirdConfig({ nodeIP: '172.18.0.11', peers: [mesh[0]], blocks: [], pools: ['10.244.0.0/16'] });
  assert.doesNotMatch(alone, /protocol bgp/);
  assert.match(alone, /protocol static \{\n {2}ipv4;\n {2}# IP blocks for this host.\n\}/);
  assert.deepEqual(await birdParse(alone), { code: 0, err: '' });
  const noBlocks = renderBirdConfig({ nodeIP: '172.18.0.11', peers: mesh, blocks: [], pools: ['10.244.0.0/16'] });
  assert.equal(noBlocks.match(/^protocol bgp /gm)?.length, 2);
  assert.deepEqual(await birdParse(noBlocks), { code: 0, err: '' });
});

test('BIRD rejects what podnet must never render (the parser check can fail)', async () => {
  const broken = renderBirdConfig({ nodeIP: '172.18.0.11', peers: mesh, blocks: [], pools: ['10.244.0.0/16'] }).replace('local as 64512;', 'local as;');
  const r = await birdParse(broken);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /syntax error/);
});

test('the mesh is unidirectional: of each pair exactly one side is passive (the lower address)', () => {
  const ips = ['172.18.0.11', '172.18.0.12', '172.18.0.9', '172.18.0.200', '172.18.1.3'];
  for (const a of ips) {
    for (const b of ips) {
      if (a === b) continue;
      assert.notEqual(isPassiveTowards(a, b), isPassiveTowards(b, a), `${a} and ${b}`);
    }
  }
  // Numeric, not textual: .9 is below .11.
  assert.equal(isPassiveTowards('172.18.0.9', '172.18.0.11'), true);
  const node1 = renderBirdConfig({ nodeIP: '172.18.0.11', peers: mesh, blocks: [], pools: ['10.244.0.0/16'] });
  assert.equal(node1.match(/passive on/g)?.length, 2, 'the lowest address waits for everyone');
  const node3 = renderBirdConfig({ nodeIP: '172.18.0.13', peers: mesh, blocks: [], pools: ['10.244.0.0/16'] });
  assert.equal(node3.match(/passive on/g), null, 'the highest address connects to everyone');
});

test('protocol names are Calico\'s Mesh_<ip with underscores>', () => {
  assert.equal(meshProtocolName('172.18.0.12'), 'Mesh_172_18_0_12');
});

test('each local block is announced and blackholed, and nothing beneath it is exported', () => {
  const text = renderBirdConfig({ nodeIP: '172.18.0.11', peers: mesh, blocks: ['10.244.0.0/26'], pools: ['10.244.0.0/16'] });
  assert.match(text, /\n {2}route 10\.244\.0\.0\/26 blackhole;\n/);
  assert.match(text, /if \( net = 10\.244\.0\.0\/26 \) then \{ accept; \}\n {2}if \( net ~ 10\.244\.0\.0\/26 \) then \{ reject; \}/);
});

test('invalid input is refused with every problem named by field', () => {
  assert.throws(
    () => renderBirdConfig({ nodeIP: '172.18.0.300', peers: [{ name: 'x', ip: 'nope' }], blocks: ['10.244.0.1/26'], pools: [], asNumber: 0, timers: { connectDelay: 2, connectRetry: 0, errorWait: [5, 1] } }),
    (e: Error) => {
      for (const want of [
        'nodeIP: Invalid value "172.18.0.300"',
        'peers[0].ip: Invalid value "nope"',
        'blocks[0]: Invalid value "10.244.0.1/26": host bits set: the network is 10.244.0.0/26',
        'pools: Required value',
        'asNumber: Invalid value 0',
        'timers.connectRetry: Invalid value 0',
        'timers.errorWait: Invalid value [5, 1]',
      ]) assert.ok(e.message.includes(want), `missing "${want}" in: ${e.message}`);
      return true;
    },
  );
});

/** `podnet up --proxy-mode ipvs` refuses with the reason (no IPVS in the kernel here), naming the flag. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseProxyMode } from '../../../src/proxy/mode.js';
import { detectIpvs } from '../../../src/proxy/ipvs/index.js';

test('parseProxyMode("ipvs") throws naming the field and why', () => {
  const why = detectIpvs().available ? /runs no IPVS proxier/ : /has no IPVS|not installed/;
  assert.throws(() => parseProxyMode('ipvs', '--proxy-mode'), (e: Error) => /^--proxy-mode: Unsupported value: "ipvs": /.test(e.message) && why.test(e.message));
});

test('podnet up --proxy-mode ipvs exits 1 before creating anything', () => {
  const repo = fileURLToPath(new URL('../../../../', import.meta.url));
  const name = `t${Math.random().toString(36).slice(2, 7)}`;
  const r = spawnSync(process.execPath, ['bin/podnet.js', 'up', '--name', name, '--proxy-mode', 'ipvs'], { cwd: repo, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PODNET_STATE_ROOT: `/tmp/${name}-state` } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--proxy-mode: Unsupported value: "ipvs"/);
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  assert.ok(!ns.includes(`${name}-`), 'no namespace may be created');
});

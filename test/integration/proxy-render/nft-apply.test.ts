/**
 * The `podnet proxy render --mode nftables` output is what `nft -f` reads: applied as is to a
 * fresh network namespace on the real kernel (default flags, --masquerade-mark and
 * --nodeport-addresses 0.0.0.0/0), the table then holds the rendered chains, sets and rules.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { nft, nftApply } from '../../../src/dataplane/exec.js';
import { netnsAdd, netnsDel, netnsList } from '../../../src/dataplane/netns.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const PREFIX = `t${randomBytes(4).toString('hex').slice(0, 5)}-`;
const NODE_FLAGS = ['--node-name', 'node1', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.0.0.0/8', '--service-cidr', '172.30.0.0/16'];

function render(extra: string[]): string {
  const r = spawnSync(process.execPath, ['bin/podnet.js', 'proxy', 'render', '--mode', 'nftables', '-f', 'test/fixtures/proxy', ...NODE_FLAGS, ...extra], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

after(async () => {
  for (const ns of await netnsList(PREFIX)) await netnsDel(ns);
  assert.deepEqual(await netnsList(PREFIX), []);
  assert.equal(existsSync(`/etc/netns/${PREFIX}render`), false);
});

for (const [label, extra, expect] of [
  ['defaults', [], ['meta mark set meta mark | 0x00004000', 'elements = { 192.168.0.2 }']],
  ['--masquerade-mark 0x8000', ['--masquerade-mark', '0x8000'], ['meta mark set meta mark | 0x00008000']],
  ['--nodeport-addresses 0.0.0.0/0', ['--nodeport-addresses', '0.0.0.0/0'], ['fib daddr type local ip daddr != 127.0.0.0/8']],
] as const) {
  test(`nft -f accepts the render (${label}) and the kernel table matches it`, async () => {
    const ns = `${PREFIX}render`;
    await netnsAdd(ns);
    try {
      const text = render([...extra]);
      await nftApply(ns, text);
      const listed = await nft(ns, ['list', 'table', 'ip', 'kube-proxy']);
      const chains = [...text.matchAll(/^add chain ip kube-proxy (\S+)/gm)].map((m) => m[1]);
      for (const c of chains) assert.ok(listed.includes(`chain ${c} {`), `chain ${c} missing in the kernel`);
      const rules = text.split('\n').filter((l) => l.startsWith('add rule')).length;
      const kernelRules = (await nft(ns, ['-a', 'list', 'table', 'ip', 'kube-proxy'])).split('\n').filter((l) => / # handle \d+$/.test(l) && !/^(table|chain|set|map) /.test(l.trim())).length;
      assert.equal(kernelRules, rules, `the kernel holds ${kernelRules} rules, the render has ${rules}`);
      for (const e of expect) assert.ok(listed.includes(e), `kernel listing lacks "${e}"`);
      if (label.includes('0.0.0.0/0')) assert.ok(!listed.includes('nodeport-ips'));
    } finally {
      await netnsDel(ns);
    }
  });
}

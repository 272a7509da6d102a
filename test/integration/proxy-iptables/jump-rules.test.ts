/**
 * ensureJumpRules on a real netns (iptables-nft): kubelet's INPUT/OUTPUT jumps to KUBE-FIREWALL
 * are ensured even when no restore declared the chain (localhost NodePorts off), the chain is
 * created first (upstream EnsureChain), and a second run adds nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { run } from '../../../src/dataplane/exec.js';
import { firewallJumpRules, jumpRules } from '../../../src/proxy/iptables/jump-rules.js';
import { ensureJumpRules } from '../../../src/proxy/iptables/kernel.js';
import { cleanupPrefix, leftovers, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();
const NS = `${P}node`;

const save = async (table: string): Promise<string> => (await run('ip', ['netns', 'exec', NS, 'iptables-save', '-t', table])).stdout;
const rulesOf = (text: string, chain: string): string[] => text.split('\n').filter((l) => l.startsWith(`-A ${chain} `));

before(async () => {
  await netnsAdd(NS);
});

after(async () => {
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('missing target chains are created, then the jumps prepended; a second run is a no-op', async () => {
  await ensureJumpRules(NS, [...jumpRules(), ...firewallJumpRules()]);
  const filter = await save('filter');
  assert.match(filter, /^:KUBE-FIREWALL - \[0:0\]$/m, 'KUBE-FIREWALL created although no restore declared it');
  assert.equal(rulesOf(filter, 'INPUT')[0], '-A INPUT -j KUBE-FIREWALL', 'kubelet\'s jump comes first in INPUT (prepended last)');
  assert.equal(rulesOf(filter, 'OUTPUT')[0], '-A OUTPUT -j KUBE-FIREWALL');
  assert.match((await save('nat')).split('\n').filter((l) => l.startsWith('-A PREROUTING')).join('\n'), /-j KUBE-SERVICES$/);
  const before = { filter, nat: await save('nat') };
  await ensureJumpRules(NS, [...jumpRules(), ...firewallJumpRules()]);
  for (const table of ['filter', 'nat'] as const) {
    const strip = (t: string) => t.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    assert.equal(strip(await save(table)), strip(before[table]), `${table}: a second ensure should change nothing`);
  }
});

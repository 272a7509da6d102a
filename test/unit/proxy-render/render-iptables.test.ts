/**
 * `podnet proxy render --mode iptables` (src/proxy/iptables's renderIptables) on the fixtures:
 * upstream's hashed chain names, and the flags that must change the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadProxyObjects } from '../../../src/cli/proxy-manifests.js';
import { parseRenderFlags, renderFor, type RenderFlags } from '../../../src/cli/proxy-render.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/proxy/', import.meta.url));
const render = (extra: string[] = []) => {
  const f = parseRenderFlags(['--mode', 'iptables', '-f', FIXTURES, '--node-name', 'node1', '--node-ip', '192.168.0.2', '--cluster-cidr', '10.0.0.0/8', '--service-cidr', '172.30.0.0/16', ...extra]);
  return renderFor(f as RenderFlags, loadProxyObjects([FIXTURES])).trimEnd().split('\n');
};
const NODEPORTS_COMMENT = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

test('iptables-restore input with upstream chain names (KUBE-SVC/SEP for ns1/svc1:p80, KUBE-SVC/SEP/FW for ns4/svc4:p80)', () => {
  const lines = render();
  for (const c of ['KUBE-SVC-XPGD46QRK7WJZT7O', 'KUBE-SEP-SXIVWICOYRO3J4NJ', 'KUBE-SVC-4SW47YFZTEDKD3PK', 'KUBE-FW-4SW47YFZTEDKD3PK', 'KUBE-SEP-UKSFD7AGPMPPLUHC']) {
    assert.ok(lines.includes(`:${c} - [0:0]`), c);
  }
  assert.ok(!lines.includes(':KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]'), 'the terminating 10.180.0.5 is unused while 10.180.0.4 is ready');
  assert.deepEqual(lines.filter((l) => l === 'COMMIT').length, 2);
});

test('--masquerade-mark sets the mark (bit) everywhere', () => {
  const lines = render(['--masquerade-mark', '0x8000']);
  assert.ok(lines.includes('-A KUBE-MARK-MASQ -j MARK --or-mark 0x8000'));
  assert.ok(!lines.some((l) => l.includes('0x4000')));
});

test('--nodeport-addresses: default addrtype LOCAL; a CIDR with the node IP gives -d <node IP>; one without it, no NodePort jump', () => {
  assert.ok(render().some((l) => l.includes(`${NODEPORTS_COMMENT} -m addrtype --dst-type LOCAL`)));
  assert.ok(render(['--nodeport-addresses', '192.168.0.0/24']).includes(`-A KUBE-SERVICES ${NODEPORTS_COMMENT} -d 192.168.0.2 -j KUBE-NODEPORTS`));
  assert.ok(!render(['--nodeport-addresses', '10.9.0.0/16']).some((l) => l.includes(NODEPORTS_COMMENT)));
  assert.ok(render(['--nodeport-addresses', '0.0.0.0/0']).some((l) => l.includes(`${NODEPORTS_COMMENT} -m addrtype --dst-type LOCAL`)));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, parseCorefile } from '../../../src/dns/main.js';

test('-dns.port and defaults', () => {
  assert.deepEqual(parseArgs([]), { port: 53, zone: 'cluster.local', ttl: 30 });
  assert.deepEqual(parseArgs(['-dns.port', '1053']), { port: 1053, zone: 'cluster.local', ttl: 30 });
  assert.throws(() => parseArgs(['-dns.port', 'x']), /-dns.port: "x"/);
});

test('-conf reads the kubernetes zone and ttl of a Corefile; a missing file keeps defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corefile-'));
  try {
    const f = join(dir, 'Corefile');
    writeFileSync(f, '.:53 {\n  errors\n  kubernetes example.internal in-addr.arpa ip6.arpa {\n    pods insecure\n    ttl 7\n  }\n  forward . /etc/resolv.conf\n}\n');
    assert.deepEqual(parseArgs(['-conf', f]), { port: 53, zone: 'example.internal', ttl: 7 });
    assert.deepEqual(parseArgs(['-conf', join(dir, 'nope')]), { port: 53, zone: 'cluster.local', ttl: 30 });
    assert.deepEqual(parseCorefile('.:53 {\n forward . 1.1.1.1\n}'), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

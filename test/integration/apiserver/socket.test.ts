/** The apiserver also listens on a unix socket (the in-cluster relay's upstream), with the same auth. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../../src/apiserver/server.js';
import { openStore } from '../../../src/store/index.js';

function get(socketPath: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves the API on a unix socket and removes it on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-sock-'));
  const socketPath = join(dir, 'apiserver.sock');
  const store = await openStore({ kind: 'memory' });
  const server = await startApiServer({ store, port: 0, token: 't', socketPath });
  try {
    assert.equal((await get(socketPath, '/api/v1/namespaces')).status, 401);
    const r = await get(socketPath, '/api/v1/namespaces/default', 't');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).metadata.name, 'default');
  } finally {
    await server.close();
    await store.close();
  }
  assert.equal(existsSync(socketPath), false);
  rmSync(dir, { recursive: true, force: true });
});

it('a port already in use fails the start with the listen error', async () => {
  const store = await openStore({ kind: 'memory' });
  const first = await startApiServer({ store, port: 0 });
  try {
    await assert.rejects(startApiServer({ store, port: first.port }), /EADDRINUSE/);
  } finally {
    await first.close();
    await store.close();
  }
});

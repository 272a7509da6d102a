/**
 * The port that answers both https and plain http relays TLS connections to an internal https
 * server: a response the server finishes and closes at once must still reach a client that reads
 * slowly, whole (the relay once destroyed the client side as soon as the server side closed).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createDualServer, type DualServer } from '../../../src/apiserver/dual-listener.js';
import { selfSignedCert } from '../../../src/apiserver/tls.js';

const SIZE = 64 * 1024 * 1024;

describe('dual listener', () => {
  let dual: DualServer;
  let port: number;

  before(async () => {
    dual = createDualServer(await selfSignedCert(), (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': SIZE, Connection: 'close' });
      res.end(Buffer.alloc(SIZE, 120));
    });
    await dual.prepare();
    await new Promise<void>((resolve) => dual.tcp.listen(0, '127.0.0.1', () => resolve()));
    port = (dual.tcp.address() as AddressInfo).port;
  });
  after(async () => {
    await dual.close();
    await new Promise<void>((resolve) => dual.tcp.close(() => resolve()));
  });

  it('delivers a whole response to a slow https reader after the server closed the connection', async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
        let n = 0;
        res.pause();
        // Read only once the server has long finished and closed its side.
        setTimeout(() => {
          res.on('data', (d: Buffer) => (n += d.length));
          res.on('end', () => resolve(n));
          res.on('error', reject);
          res.resume();
        }, 500);
      });
      req.on('error', reject);
    });
    assert.equal(received, SIZE);
  });
});

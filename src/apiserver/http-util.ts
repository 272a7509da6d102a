/** Small HTTP helpers: read a bounded body, write JSON or a Status. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, internalError } from './status.js';

/** etcd's default request limit is 1.5 MiB; allow a little more for the request envelope. */
const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

export function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY}`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function writeJSON(res: ServerResponse, code: number, body: unknown, extraHeaders: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

export function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes any thrown error as a Status; unexpected errors become 500 InternalError. */
export function writeError(res: ServerResponse, err: unknown): void {
  const se = err instanceof StatusError ? err : internalError(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJSON(res, se.code, se.toStatus());
}

/** An in-process apiserver on a memory store, and polling helpers, for controller and DNS tests. */
import { startApiServer } from '../../src/apiserver/server.js';
import { openStore } from '../../src/store/index.js';
import { Client } from '../../src/client/client.js';

export interface TestApi {
  client: Client;
  url: string;
  close(): Promise<void>;
}

export async function startTestApi(userAgent = 'controllers-test'): Promise<TestApi> {
  const server = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  const client = new Client({ server: server.url, userAgent });
  return {
    client,
    url: server.url,
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

/** Polls `fn` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An in-process apiserver on a memory store, and polling helpers, for controller, DNS and API tests. */
import { startApiServer } from '../../src/apiserver/server.js';
import { openStore } from '../../src/store/index.js';
import { Client } from '../../src/client/client.js';

export interface TestApi {
  client: Client;
  url: string;
  close(): Promise<void>;
}

/** `socketPath`: also serve plain http on that unix socket (for a relay into a netns). */
export async function startTestApi(userAgent = 'controllers-test', socketPath?: string): Promise<TestApi> {
  const store = await openStore({ kind: 'memory' });
  const server = await startApiServer({ store, port: 0, socketPath });
  const client = new Client({ server: server.url, userAgent });
  return {
    client,
    url: server.url,
    close: async () => {
      client.close();
      await server.close();
      await store.close();
    },
  };
}

export { eventually } from './eventually.js';

/**
 * Runs inside a test network namespace (`ip netns exec NS node dns-main-harness.js`): an
 * apiserver on the namespace's loopback with a bearer token, a Service, and the DNS pod entry
 * `main()` reading the in-cluster config as in a pod. `ip netns exec` gives this process its own
 * mount namespace (slave), so the tmpfs over /run that holds the token never reaches the host.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startApiServer } from '../../src/apiserver/server.js';
import { openStore } from '../../src/store/index.js';
import { Client } from '../../src/client/client.js';
import { main } from '../../src/dns/main.js';

const TOKEN = 'harness-token';

async function run(): Promise<void> {
  execFileSync('mount', ['-t', 'tmpfs', 'podnet-test-secrets', '/run']);
  mkdirSync('/run/secrets/kubernetes.io/serviceaccount', { recursive: true });
  writeFileSync('/run/secrets/kubernetes.io/serviceaccount/token', `${TOKEN}\n`);
  const server = await startApiServer({ store: await openStore({ kind: 'memory' }), host: '127.0.0.1', port: 0, token: TOKEN });
  const client = new Client({ server: server.url, token: TOKEN });
  await client.create('services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { clusterIP: '10.96.0.50', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
  });
  client.close();
  process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
  process.env.KUBERNETES_SERVICE_PORT = String(server.port);
  await main(['-conf', '/etc/coredns/Corefile', '-dns.port', '53']);
  await server.close();
}

run().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);

/**
 * A node agent in its own process, so a test can kill -9 it: `node cni-runtime-agent-main.js
 * '<json AgentOptions without client, plus server>'`. It runs until killed.
 */
import { startAgent } from '../../src/agent/index.js';
import { Client } from '../../src/client/client.js';

interface Args {
  server: string;
  clusterName: string;
  nodeName: string;
  nodeNetns: string;
  nodeIP: string;
  nodeRoot: string;
  repoRoot: string;
}

const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const { server, ...rest } = a;
await startAgent({ ...rest, client: new Client({ server, userAgent: 'cni-runtime-agent' }) });
console.error(`agent ${a.nodeName}: started (pid ${process.pid})`);

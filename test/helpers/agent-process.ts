/**
 * One node's agent as a real child process (so a test can kill -9 it and start another), on a
 * test node netns, against an in-memory apiserver: what the agent crash tests share.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/types.js';
import { Client } from '../../src/client/client.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../src/apiserver/server.js';
import { REPO, destroyTestNode, eventually, leftovers, makeTestNode, pausePids, recordedPids, type SeenProcess, type TestNode } from './agent-node.js';

export class AgentProcessTestbed {
  readonly pids: SeenProcess[] = [];
  child: ChildProcess | undefined;
  private constructor(readonly node: TestNode, readonly store: Store, readonly api: ApiServer, readonly client: Client) {}

  /** A node netns, an apiserver, the agent started, node1 registered with pod CIDR 10.244.0.0/24. */
  static async start(userAgent: string): Promise<AgentProcessTestbed> {
    const store = await openStore({ kind: 'memory' });
    const api = await startApiServer({ store, port: 0 });
    const t = new AgentProcessTestbed(makeTestNode(), store, api, new Client({ server: api.url, userAgent }));
    t.startAgent();
    await eventually(() => t.client.get('nodes', undefined, 'node1').then(() => true, () => false), 30_000, 'node registered');
    await t.client.patch('nodes', undefined, 'node1', { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    return t;
  }

  get logFile(): string {
    return join(this.node.nodeRoot, 'agent.log');
  }

  cacheEntries(): string[] {
    return readdirSync(join(this.node.nodeRoot, 'cni', 'results')).sort();
  }

  podDir(p: Pod): string {
    return join(this.node.nodeRoot, 'pods', p.metadata!.uid!);
  }

  sandboxOf(p: Pod): { id: string; netns: string; podIP: string } {
    return JSON.parse(readFileSync(join(this.podDir(p), 'sandbox.json'), 'utf8')) as { id: string; netns: string; podIP: string };
  }

  startAgent(): ChildProcess {
    const n = this.node;
    const args = { server: this.api.url, clusterName: n.cluster, nodeName: 'node1', nodeNetns: n.netns, nodeIP: '172.18.0.11', nodeRoot: n.nodeRoot, repoRoot: REPO };
    const out = openSync(this.logFile, 'a');
    const c = spawn(process.execPath, [join(REPO, 'dist', 'test', 'helpers', 'cni-runtime-agent-main.js'), JSON.stringify(args)], { stdio: ['ignore', out, out] });
    this.pids.push({ pid: c.pid!, start: readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19] });
    this.child = c;
    return c;
  }

  async killAgent(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  createPod(name: string): Promise<Pod> {
    return this.client.create<Pod>('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'httpd', image: 'httpd' }] } });
  }

  /** The pod once Ready with an IP. */
  running(name: string): Promise<Pod> {
    return eventually(async () => {
      const p = await this.client.get<Pod>('pods', 'default', name);
      return p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' && p.status.podIP ? p : undefined;
    }, 60_000, `${name} Ready`);
  }

  /** Kills the agent and everything it started, removes the node; asserts nothing is left. */
  async close(): Promise<void> {
    await this.killAgent();
    this.pids.push(...recordedPids(this.node.nodeRoot), ...pausePids(this.node.nodeRoot));
    destroyTestNode(this.node, this.pids);
    await this.api.close();
    await this.store.close();
    this.client.close();
    assert.deepEqual(leftovers(this.node, this.pids), []);
  }
}

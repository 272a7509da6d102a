/**
 * A control plane for controller tests: the in-process apiserver, every controller, and the
 * test playing the node agents (nodes marked Ready, pods given an IP and Ready, graceful
 * deletions finished), plus the real kubectl pointed at it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Node, Pod } from '../../src/api/types.js';
import type { Client } from '../../src/client/client.js';
import { startControllers } from '../../src/controllers/index.js';
import { startTestApi, type TestApi } from './controllers-apiserver.js';

const execFileP = promisify(execFile);

export interface TestCluster {
  api: TestApi;
  client: Client;
  addNode(name: string, labels?: Record<string, string>): Promise<void>;
  setNodeReady(name: string, ready: boolean): Promise<void>;
  /** The agents' part: every bound, live pod matching `selector` gets an IP and Ready. */
  runPods(selector: string): Promise<void>;
  /** The agents finishing graceful deletions. */
  reapTerminating(): Promise<void>;
  kubectl(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function startTestCluster(name: string): Promise<TestCluster> {
  const api = await startTestApi(name);
  const client = api.client;
  // A short pod GC quarantine so pods of deleted nodes go within a test.
  const controllers = await startControllers(client, { podGCQuarantineMs: 500 });
  let ip = 10;
  const setNodeReady = async (node: string, ready: boolean) => {
    const status = ready ? 'True' : 'False';
    const conditions = [{ type: 'Ready', status, reason: 'KubeletReady', lastTransitionTime: now() }];
    // A merge patch: node IPAM writes the same node meanwhile.
    await client.patch('nodes', undefined, node, { status: { conditions } }, 'merge', 'status');
  };
  return {
    api,
    client,
    async addNode(node, labels = {}) {
      await client.create<Node>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'kubernetes.io/hostname': node, ...labels } } });
      await setNodeReady(node, true);
    },
    setNodeReady,
    async runPods(selector) {
      for (const pod of (await client.list<Pod>('pods', 'default', { labelSelector: selector })).items) {
        if (!pod.spec?.nodeName || pod.status?.podIP || pod.metadata?.deletionTimestamp) continue;
        const status = { phase: 'Running', podIP: `10.244.9.${ip++ % 250}`, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }] };
        await client.updateStatus('pods', { ...pod, status }).catch(() => undefined);
      }
    },
    async reapTerminating() {
      for (const pod of (await client.list<Pod>('pods', 'default')).items) {
        if (pod.metadata?.deletionTimestamp) await client.delete('pods', 'default', pod.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
    },
    async kubectl(...args) {
      const { stdout } = await execFileP('kubectl', ['--server', api.url, '-n', 'default', ...args], { env: { ...process.env, KUBECONFIG: '/dev/null' } });
      return stdout;
    },
    async close() {
      controllers.stop();
      await api.close();
    },
  };
}

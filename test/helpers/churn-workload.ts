/**
 * The churn workload: batches of bare pods (some with a hostPort) created and deleted, a
 * Deployment scaled up and down, API calls retried through control-plane outages, and a
 * sampler that lists pods all the while and records any two Running pods sharing an IP.
 */
import type { Deployment, Pod, Service } from '../../src/api/types.js';
import type { Client } from '../../src/client/client.js';
import { isAlreadyExists, isNotFound } from '../../src/client/client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` until it succeeds, through connection errors and 5xx of a restarting control plane. */
export async function retry<T>(what: string, fn: () => Promise<T>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`churn: ${what}: ${(e as Error).message}`);
      await sleep(200);
    }
  }
}

export function bareChurnPod(name: string, marker: string, hostPort?: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { churn: 'bare' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', marker], ...(hostPort ? { ports: [{ containerPort: 8080, hostPort }] } : {}) }],
    },
  };
}

export function churnDeployment(name: string, marker: string, replicas: number): Deployment {
  const labels = { churn: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', marker] }] },
      },
    },
  };
}

/** A ClusterIP Service over the Deployment: its endpoints (and every node's proxy rules) churn too. */
export function churnService(name: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { churn: name }, ports: [{ port: 80, targetPort: 8080 }] } };
}

export async function createPod(client: Client, pod: Pod): Promise<void> {
  await retry(`create pod ${pod.metadata?.name}`, () => client.create('pods', 'default', pod).catch((e) => {
    if (!isAlreadyExists(e)) throw e;
  }));
}

/** Deletes a pod: graceful (1 s) or forced (0: gone from the API at once, the agent cleans up after). */
export async function deletePod(client: Client, name: string, force: boolean): Promise<void> {
  await retry(`delete pod ${name}`, () => client.delete('pods', 'default', name, force ? { gracePeriodSeconds: 0 } : {}).catch((e) => {
    if (!isNotFound(e)) throw e;
  }));
}

export async function scaleDeployment(client: Client, name: string, replicas: number): Promise<void> {
  await retry(`scale ${name}`, () => client.patch('deployments', 'default', name, { spec: { replicas } }, 'merge'));
}

const running = (p: Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && !!p.status.podIP && !p.spec?.hostNetwork;

/** Every `everyMs`, lists all pods; records samples, pod uids seen and any duplicate pod IP. */
export class DuplicateIPSampler {
  samples = 0;
  readonly uids = new Set<string>();
  /** Pods seen Running with an IP at least once (their sandbox was made). */
  readonly running = new Set<string>();
  readonly duplicates: string[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly client: Client, private readonly everyMs = 300) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const pods = await this.client.list<Pod>('pods').then((l) => l.items, () => undefined);
      if (pods) this.check(pods);
      await sleep(this.everyMs);
    }
  }

  private check(pods: Pod[]): void {
    this.samples++;
    const byIP = new Map<string, string>();
    for (const p of pods) {
      this.uids.add(p.metadata?.uid ?? '');
      if (!running(p)) continue;
      this.running.add(p.metadata?.uid ?? '');
      const who = `${p.metadata?.namespace}/${p.metadata?.name}@${p.spec?.nodeName}`;
      const other = byIP.get(p.status!.podIP!);
      if (other) this.duplicates.push(`sample ${this.samples}: ${p.status!.podIP} held by ${other} and ${who}`);
      byIP.set(p.status!.podIP!, who);
    }
  }
}

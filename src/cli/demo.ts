/**
 * `podnet demo`, the main job: a running cluster with seed 002's web application, reached through
 * its Service's DNS name from a client pod on another node.
 */
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, Pod } from '../api/types.js';
import type { Client } from '../client/client.js';
import { loadClusterConfig, paths, type ClusterConfig } from '../cluster/config.js';
import { createObjects, readManifests } from './apply.js';
import { clusterClient } from './daemons.js';
import { execIn } from './exec.js';
import { isRunning, up, waitFor } from './up-down.js';

export const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/web/', import.meta.url));

const isReady = (p: Pod | undefined) =>
  p?.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function readyPod(client: Client, selector: string): Promise<Pod | undefined> {
  const pods = await client.list<Pod>('pods', 'default', { labelSelector: selector });
  return pods.items.find((p) => isReady(p) && !p.metadata?.deletionTimestamp);
}

/** Deploys the example into a running cluster and returns the web pod and the client pod. */
export async function deployExample(cfg: ClusterConfig, log: (l: string) => void): Promise<{ web: Pod; client: Pod }> {
  const client = clusterClient(cfg, 'podnet-demo');
  try {
    const objs = [...readManifests(`${EXAMPLE_DIR}deployment.yaml`), ...readManifests(`${EXAMPLE_DIR}service.yaml`)];
    for (const line of await createObjects(client, objs)) log(line);
    let web: Pod | undefined;
    await waitFor('the web pod to be Ready', 90_000, async () => !!(web = await readyPod(client, 'app=web_server')));
    // Ready endpoints in the Service's EndpointSlice: what every node's proxy programs.
    await waitFor('the web Service endpoints', 30_000, async () => {
      const slices = await client.list<EndpointSlice>('endpointslices', 'default', { labelSelector: 'kubernetes.io/service-name=web' });
      return slices.items.some((sl) => (sl.endpoints ?? []).some((e) => e.conditions?.ready === true));
    });
    const webNode = web!.spec?.nodeName;
    const clientPod = readManifests(`${EXAMPLE_DIR}client.yaml`)[0] as Pod;
    // The client goes on another node, so that the request crosses the overlay.
    const other = cfg.nodes.find((n) => n.name !== webNode)?.name ?? webNode;
    clientPod.spec = { ...clientPod.spec!, nodeName: other };
    for (const line of await createObjects(client, [clientPod])) log(line);
    let cli: Pod | undefined;
    await waitFor('the client pod to be Ready', 90_000, async () => !!(cli = await readyPod(client, 'app=client')));
    log(`web pod ${web!.metadata?.name} on ${webNode} (${web!.status?.podIP}); client pod on ${cli!.spec?.nodeName} (${cli!.status?.podIP})`);
    return { web: web!, client: cli! };
  } finally {
    client.close();
  }
}

export async function demo(name: string): Promise<number> {
  const log = (l: string) => console.log(l);
  if (!isRunning(name)) await up({ name, nodes: 2, log });
  const cfg = loadClusterConfig(name);
  await deployExample(cfg, log);
  let status = 0;
  for (const url of ['http://web.default.svc.cluster.local/', 'http://web.default.svc.cluster.local:8080/']) {
    log(`\n$ podnet exec client -- curl -s ${url}`);
    const code = await execIn(cfg, { pod: 'client' }, ['curl', '-sS', '--max-time', '10', url]);
    status = status || code;
  }
  log(`\nThe cluster "${name}" keeps running. Try:`);
  log(`  export KUBECONFIG=${paths.kubeconfig(cfg.root)}   # or: npx podnet kubeconfig > kubeconfig`);
  log('  kubectl get pods -o wide');
  log('  npx podnet exec client -- curl -s http://web/');
  log(`  npx podnet down${name === 'podnet' ? '' : ` --name ${name}`}`);
  return status;
}

/**
 * Registering the node with the API and keeping its status fresh; waiting for the pod CIDR the
 * node IPAM controller assigns.
 */
import type { Node } from '../api/types.js';
import { ApiError, type Client, isAlreadyExists, isConflict, isNotFound } from '../client/client.js';
import { type NodeInfoInput, newNode, nodeLabels, nodeStatus } from './node-status.js';

/**
 * An error worth retrying: no answer at all (the apiserver is down or restarting: refused,
 * reset) or a 5xx/429. A 4xx answer is final.
 */
export function isTransient(e: unknown): boolean {
  return !(e instanceof ApiError) || e.code >= 500 || e.code === 429;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * registerNode, retried through transient errors with kubelet's registerWithAPIServer back-off
 * (100 ms doubling to 7 s): an agent started (or restarted after a crash) while the control
 * plane is down waits for it instead of exiting.
 */
export async function registerNodeWithRetry(client: Client, input: NodeInfoInput, log: (m: string) => void = () => undefined): Promise<Node> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 7000)) {
    try {
      return await registerNode(client, input);
    } catch (e) {
      if (!isTransient(e)) throw e;
      log(`Cannot register node ${input.nodeName} yet (retrying in ${delay} ms): ${(e as Error).message}`);
      await sleep(delay);
    }
  }
}

/** Creates `nodes/<name>`, or updates labels and status of an existing one; returns it. */
export async function registerNode(client: Client, input: NodeInfoInput): Promise<Node> {
  const now = new Date().toISOString();
  try {
    const created = await client.create<Node>('nodes', undefined, newNode(input, now));
    // The create may drop status (it is a subresource); write it separately.
    return await updateNodeStatus(client, input, created);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  for (let attempt = 0; ; attempt++) {
    const node = await client.get<Node>('nodes', undefined, input.nodeName);
    node.metadata = { ...node.metadata, labels: { ...node.metadata?.labels, ...nodeLabels(input.nodeName) } };
    try {
      const updated = await client.update<Node>('nodes', node);
      return await updateNodeStatus(client, input, updated);
    } catch (e) {
      if (!isConflict(e) || attempt >= 5) throw e;
    }
  }
}

/** Writes the current status (conditions with a fresh lastHeartbeatTime) with the /status subresource. */
export async function updateNodeStatus(client: Client, input: NodeInfoInput, current?: Node): Promise<Node> {
  for (let attempt = 0; ; attempt++) {
    const node = current ?? (await client.get<Node>('nodes', undefined, input.nodeName));
    current = undefined;
    const next: Node = { ...node, status: nodeStatus(input, node.status, new Date().toISOString()) };
    try {
      return await client.updateStatus<Node>('nodes', next);
    } catch (e) {
      if (!isConflict(e) || attempt >= 5) throw e;
    }
  }
}

/** Polls until the node has spec.podCIDR; returns it. Rejects when `signal` aborts. */
export async function waitForPodCIDR(client: Client, nodeName: string, signal: AbortSignal, intervalMs = 500): Promise<string> {
  while (!signal.aborted) {
    try {
      const node = await client.get<Node>('nodes', undefined, nodeName);
      if (node.spec?.podCIDR) return node.spec.podCIDR;
    } catch (e) {
      // Not registered yet, or the control plane is restarting: keep waiting.
      if (!isNotFound(e) && !isTransient(e)) throw e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`agent: Stopped while waiting for node "${nodeName}" to get spec.podCIDR`);
}

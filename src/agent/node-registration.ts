/**
 * Registering the node with the API and keeping its status fresh; waiting for the pod CIDR the
 * node IPAM controller assigns.
 */
import type { Node } from '../api/types.js';
import { type Client, isAlreadyExists, isConflict, isNotFound } from '../client/client.js';
import { type NodeInfoInput, newNode, nodeLabels, nodeStatus } from './node-status.js';

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
      if (!isNotFound(e)) throw e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`agent: Stopped while waiting for node "${nodeName}" to get spec.podCIDR`);
}

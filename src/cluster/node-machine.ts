/**
 * A node joining a running cluster: its name and its address on the node network, chosen as
 * `podnet up` chose them (node<i> at 172.18.0.<10+i>), skipping whatever is taken.
 */
import type { ClusterConfig, MachineConfig } from './config.js';

/**
 * A node name that is a DNS label and also fits podnet's names: the namespace `<cluster>-<node>`
 * and the underlay port `v-<node>` (15 bytes at most, so 13 characters), and no role or pod
 * namespace names (`<cluster>-pod-*` are sandboxes).
 */
const NODE_NAME_RE = /^[a-z]([a-z0-9-]{0,11}[a-z0-9])?$/;
const RESERVED = new Set(['control-plane', 'outside', 'underlay']);

/** Throws a message naming the argument when `node` cannot name a new node. */
export function validateNodeName(node: string): void {
  if (!NODE_NAME_RE.test(node)) {
    throw new Error(`<node-name>: Invalid value "${node}": must be 1-13 characters of [a-z0-9-], starting with a letter and ending with a letter or digit`);
  }
  if (RESERVED.has(node) || node.startsWith('pod-')) {
    throw new Error(`<node-name>: Invalid value "${node}": "control-plane", "outside", "underlay" and names starting with "pod-" are podnet's own`);
  }
}

/** The last octet of an IPv4 address. */
const lastOctet = (ip: string) => Number(ip.split('.')[3]);

/** node<i> for the smallest i >= 1 whose name is free. */
export function nextNodeName(cfg: ClusterConfig): string {
  const taken = new Set(cfg.nodes.map((n) => n.name));
  let i = 1;
  while (taken.has(`node${i}`)) i++;
  return `node${i}`;
}

/**
 * The address of a new node: 172.18.0.<10+i> for node<i> when free (layout.md), else the first
 * free one from .11 up; never the control plane's, the outside host's or the LB pool's (.240-.250).
 */
export function nextNodeIP(cfg: ClusterConfig, node: string): string {
  const taken = new Set([cfg.controlPlane, cfg.outside, ...cfg.nodes].map((m) => lastOctet(m.ip)));
  const usable = (o: number) => o >= 11 && o <= 239 && o !== 200 && !taken.has(o);
  const m = /^node(\d+)$/.exec(node);
  const preferred = m ? 10 + Number(m[1]) : 0;
  if (usable(preferred)) return `172.18.0.${preferred}`;
  for (let o = 11; o <= 239; o++) if (usable(o)) return `172.18.0.${o}`;
  throw new Error(`Cluster "${cfg.name}" has no free node address left in 172.18.0.11-172.18.0.239`);
}

/** The machine of a new node named `node` (default: the next free node<i>); throws naming the argument. */
export function newNodeMachine(cfg: ClusterConfig, node?: string): MachineConfig {
  const name = node ?? nextNodeName(cfg);
  validateNodeName(name);
  if (cfg.nodes.some((n) => n.name === name)) {
    throw new Error(`<node-name>: Invalid value "${name}": cluster "${cfg.name}" already has a node of that name`);
  }
  return { name, netns: `${cfg.name}-${name}`, ip: nextNodeIP(cfg, name) };
}

/**
 * The calico and calico-ipam network configuration, as Calico's CNI plugin reads it: `mtu`,
 * `nodename` (the node allocating; default the host name), `kubernetes.kubeconfig` (how a
 * standalone plugin reaches the API), `ipam.ipv4_pools` (pool CIDRs; default 10.244.0.0/16)
 * and `ipam.block_size` (default 26), plus the host veth name Calico derives for a workload.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { parseIPv4Cidr } from '../../api/validation/ip.js';
import type { CmdArgs } from '../skel.js';
import { checkKnownArgs } from '../skel.js';
import { CniError, CniErrorCode, type NetConf } from '../types.js';

export interface CalicoConf {
  mtu: number;
  nodename: string;
  kubeconfig?: string;
  pools: string[];
  blockSize: number;
}

/** The CNI_ARGS a kubelet sends (Calico's K8sArgs). */
export const K8S_ARGS = ['K8S_POD_NAMESPACE', 'K8S_POD_NAME', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID'];

const invalid = (field: string, msg: string): CniError => new CniError(CniErrorCode.InvalidNetworkConfig, `${field}: ${msg}`);

function parsePools(ipam: Record<string, unknown>): string[] {
  const raw = ipam.ipv4_pools ?? ['10.244.0.0/16'];
  if (!Array.isArray(raw) || raw.length === 0) throw invalid('ipam.ipv4_pools', 'must be a non-empty list of CIDRs');
  return raw.map((p, i) => {
    try {
      return parseIPv4Cidr(String(p)).text;
    } catch {
      throw invalid(`ipam.ipv4_pools[${i}]`, `invalid IPv4 CIDR ${JSON.stringify(p)}`);
    }
  });
}

export function parseCalicoConf(conf: NetConf, args: CmdArgs): CalicoConf {
  checkKnownArgs(args.args, K8S_ARGS);
  const mtu = conf.mtu ?? 1500;
  if (!Number.isInteger(mtu) || (mtu as number) < 68 || (mtu as number) > 65535) throw invalid('mtu', `must be an integer in 68..65535, got ${JSON.stringify(mtu)}`);
  const nodename = conf.nodename ?? hostname();
  if (typeof nodename !== 'string' || nodename === '') throw invalid('nodename', 'must be a non-empty string');
  const kube = (conf.kubernetes ?? {}) as Record<string, unknown>;
  if (kube.kubeconfig !== undefined && typeof kube.kubeconfig !== 'string') throw invalid('kubernetes.kubeconfig', 'must be a path');
  const ipam = (conf.ipam ?? {}) as Record<string, unknown>;
  const blockSize = ipam.block_size ?? 26;
  if (!Number.isInteger(blockSize) || (blockSize as number) < 20 || (blockSize as number) > 32) throw invalid('ipam.block_size', `must be an integer in 20..32, got ${JSON.stringify(blockSize)}`);
  return { mtu: mtu as number, nodename, kubeconfig: kube.kubeconfig as string | undefined, pools: parsePools(ipam), blockSize: blockSize as number };
}

const arg = (args: CmdArgs, k: string): string | undefined => args.args.find(([key]) => key === k)?.[1] || undefined;

/** The workload a call is for: the pod from CNI_ARGS, when the runtime is Kubernetes. */
export function workloadOf(args: CmdArgs): { namespace: string; pod: string } | undefined {
  const namespace = arg(args, 'K8S_POD_NAMESPACE');
  const pod = arg(args, 'K8S_POD_NAME');
  return namespace && pod ? { namespace, pod } : undefined;
}

/**
 * The host-side veth: `cali` + the first 11 hex digits of sha1("<namespace>.<pod>")
 * (libcalico-go's VethNameForWorkload); without pod args, `cali` + the container id's first 11.
 */
export function hostVethName(args: CmdArgs): string {
  const w = workloadOf(args);
  if (!w) return `cali${args.containerId.slice(0, 11)}`;
  return `cali${createHash('sha1').update(`${w.namespace}.${w.pod}`).digest('hex').slice(0, 11)}`;
}

/** Calico's k8s handle id: `<network name>.<containerID>`. */
export function handleID(conf: NetConf, args: CmdArgs): string {
  if (typeof conf.name !== 'string' || conf.name === '') throw invalid('name', 'the network needs a name (it prefixes the IPAM handle)');
  return `${conf.name}.${args.containerId}`;
}

/**
 * The per-node half of each flannel backend (its Backend.RegisterNetwork): set up what the node
 * needs locally and say what the lease publishes. vxlan: flannel.1 and its VTEP MAC; host-gw: a
 * check that the public IP is the external interface's, and no tunnel device.
 */
import { hostGwLeaseAnnotations, leaseAnnotations, VXLAN_VNI } from './annotations.js';
import { checkHostGwInterface } from './hostgw.js';
import type { LeaseAttrs } from './lease-attrs.js';
import { networkAddress, type IPv4Net } from './subnet.js';
import { deleteVxlanDevice, ensureVxlanDevice, underlayMTU } from './vxlan-device.js';

/** What a backend's set-up gives the rest of the sync: subnet.env's MTU and the lease to publish. */
export interface BackendSetup {
  mtu: number;
  /** The kube subnet manager's Node annotations. */
  annotations: Record<string, string>;
  /** The etcd subnet manager's LeaseAttrs. */
  attrs: LeaseAttrs;
}

export interface NodeNet {
  netns: string;
  nodeIP: string;
  underlayDev: string;
}

/** flannel.1 with `<lease network>/32`; `preferredMAC` is the MAC published last (kept across reboots). */
export async function setupVxlanBackend(n: NodeNet, lease: IPv4Net, preferredMAC: string | undefined): Promise<BackendSetup> {
  const { mac, mtu } = await ensureVxlanDevice(n.netns, {
    vni: VXLAN_VNI,
    localIP: n.nodeIP,
    underlayDev: n.underlayDev,
    address: `${networkAddress(lease)}/32`,
    preferredMAC,
  });
  const attrs: LeaseAttrs = { PublicIP: n.nodeIP, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: VXLAN_VNI, VtepMAC: mac } };
  return { mtu, annotations: leaseAnnotations(n.nodeIP, mac), attrs };
}

/** host-gw: no tunnel device (one left by vxlan is removed); the MTU is the underlay's. */
export async function setupHostGwBackend(n: NodeNet): Promise<BackendSetup> {
  await checkHostGwInterface(n.netns, n.underlayDev, n.nodeIP);
  await deleteVxlanDevice(n.netns);
  const attrs: LeaseAttrs = { PublicIP: n.nodeIP, PublicIPv6: null, BackendType: 'host-gw' };
  return { mtu: await underlayMTU(n.netns, n.underlayDev), annotations: hostGwLeaseAnnotations(n.nodeIP), attrs };
}

/**
 * The kube subnet manager's lease: a Node's spec.podCIDR plus the flannel.alpha.coreos.com/*
 * annotations flanneld writes on its own Node (flannel pkg/subnet/kube).
 */
import type { Node } from '../api/types.js';
import { parseCIDR } from './subnet.js';

export const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com/';
export const BACKEND_TYPE = `${ANNOTATION_PREFIX}backend-type`;
export const BACKEND_DATA = `${ANNOTATION_PREFIX}backend-data`;
export const KUBE_SUBNET_MANAGER = `${ANNOTATION_PREFIX}kube-subnet-manager`;
export const PUBLIC_IP = `${ANNOTATION_PREFIX}public-ip`;

export const VXLAN_VNI = 1;

/** The vxlan backend's lease attributes (BackendData): `{"VNI":1,"VtepMAC":"..."}`. */
export interface VxlanBackendData {
  VNI: number;
  VtepMAC: string;
}

/** A node's lease as another node's backend needs it. */
export interface Lease {
  nodeName: string;
  subnet: string;
  publicIP: string;
  backendType: string;
  vtepMAC?: string;
}

/** The annotations a node publishes for its vxlan lease. */
export function leaseAnnotations(publicIP: string, vtepMAC: string): Record<string, string> {
  const data: VxlanBackendData = { VNI: VXLAN_VNI, VtepMAC: vtepMAC };
  return {
    [BACKEND_TYPE]: 'vxlan',
    [BACKEND_DATA]: JSON.stringify(data),
    [KUBE_SUBNET_MANAGER]: 'true',
    [PUBLIC_IP]: publicIP,
  };
}

/**
 * The annotations of a host-gw lease: flannel's host-gw has no BackendData, and the kube subnet
 * manager writes the marshalled nil, `null`.
 */
export function hostGwLeaseAnnotations(publicIP: string): Record<string, string> {
  return {
    [BACKEND_TYPE]: 'host-gw',
    [BACKEND_DATA]: 'null',
    [KUBE_SUBNET_MANAGER]: 'true',
    [PUBLIC_IP]: publicIP,
  };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Parses backend-data; undefined when absent or malformed (the node is not ready as a peer). */
export function parseBackendData(text: string | undefined): VxlanBackendData | undefined {
  if (!text) return undefined;
  try {
    const d = JSON.parse(text) as Partial<VxlanBackendData>;
    const mac = typeof d.VtepMAC === 'string' ? d.VtepMAC.toLowerCase() : '';
    return MAC.test(mac) ? { VNI: typeof d.VNI === 'number' ? d.VNI : VXLAN_VNI, VtepMAC: mac } : undefined;
  } catch {
    return undefined;
  }
}

/** The lease of `node`, or undefined while it has no podCIDR or no published public IP. */
export function leaseOf(node: Node): Lease | undefined {
  const subnet = node.spec?.podCIDR;
  const ann = node.metadata?.annotations ?? {};
  const publicIP = ann[PUBLIC_IP];
  if (!subnet || !publicIP) return undefined;
  try {
    parseCIDR(subnet);
  } catch {
    return undefined;
  }
  return {
    nodeName: node.metadata?.name ?? '',
    subnet,
    publicIP,
    backendType: ann[BACKEND_TYPE] ?? '',
    vtepMAC: parseBackendData(ann[BACKEND_DATA])?.VtepMAC,
  };
}

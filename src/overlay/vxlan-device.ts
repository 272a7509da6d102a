/**
 * The VXLAN tunnel endpoint `flannel.1` in a node's namespace (flannel pkg/backend/vxlan
 * device.go): VNI 1, UDP 8472, local = node IP on the underlay device, no learning (the agent
 * programs FDB and neighbours itself), MTU = underlay MTU - 50, address `<lease network>/32`.
 * An existing device is reused as long as its parameters match, so its MAC (published in the
 * Node annotation) stays stable across agent restarts.
 */
import { ip, ipBatch, ipJson, isNotFound } from '../dataplane/exec.js';

export const VXLAN_DEVICE = 'flannel.1';
export const VXLAN_PORT = 8472;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;

export interface VxlanDeviceSpec {
  vni: number;
  localIP: string;
  underlayDev: string;
  /** `<lease network>/32`. */
  address: string;
  /** MAC to use when the device has to be created (e.g. the one in the Node annotation). */
  preferredMAC?: string;
}

interface LinkJson {
  ifname: string;
  address?: string;
  mtu?: number;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; link?: string; learning?: boolean } };
}

async function showLink(netns: string, dev: string): Promise<LinkJson | undefined> {
  try {
    return (await ipJson<LinkJson[]>(netns, ['-d', 'link', 'show', 'dev', dev]))[0];
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

function matches(l: LinkJson, s: VxlanDeviceSpec): boolean {
  const d = l.linkinfo?.info_data;
  return l.linkinfo?.info_kind === 'vxlan' && d?.id === s.vni && d.local === s.localIP && d.port === VXLAN_PORT && d.learning === false;
}

/** The MTU of the underlay device (host-gw's MTU). */
export async function underlayMTU(netns: string, underlayDev: string): Promise<number> {
  const under = await showLink(netns, underlayDev);
  if (!under?.mtu) throw new Error(`flannel: Cannot find underlay device "${underlayDev}" in netns "${netns}"`);
  return under.mtu;
}

/** The MTU of the underlay device minus the VXLAN overhead. */
export async function vxlanMTU(netns: string, underlayDev: string): Promise<number> {
  return (await underlayMTU(netns, underlayDev)) - VXLAN_OVERHEAD;
}

/**
 * Creates or repairs flannel.1 and returns its MAC. A device with wrong parameters is
 * recreated with the same MAC; the address list is made exactly `[spec.address]`.
 */
export async function ensureVxlanDevice(netns: string, spec: VxlanDeviceSpec): Promise<{ mac: string; mtu: number }> {
  const mtu = await vxlanMTU(netns, spec.underlayDev);
  let link = await showLink(netns, VXLAN_DEVICE);
  if (link && !matches(link, spec)) {
    spec = { ...spec, preferredMAC: link.address };
    await ip(netns, ['link', 'del', VXLAN_DEVICE]);
    link = undefined;
  }
  if (!link) {
    const create = ['link', 'add', VXLAN_DEVICE];
    if (spec.preferredMAC) create.push('address', spec.preferredMAC);
    create.push('type', 'vxlan', 'id', String(spec.vni), 'dstport', String(VXLAN_PORT), 'local', spec.localIP, 'dev', spec.underlayDev, 'nolearning');
    await ip(netns, create);
  }
  await ensureAddress(netns, spec.address);
  await ipBatch(netns, [`link set ${VXLAN_DEVICE} mtu ${mtu} up`]);
  const now = await showLink(netns, VXLAN_DEVICE);
  if (!now?.address) throw new Error(`flannel: Cannot read the MAC of ${VXLAN_DEVICE} in netns "${netns}"`);
  return { mac: now.address, mtu };
}

interface AddrJson { addr_info?: { family: string; local: string; prefixlen: number }[] }

/** Makes the device's IPv4 addresses exactly `[address]` (a changed lease drops the old one). */
async function ensureAddress(netns: string, address: string): Promise<void> {
  const cur = (await ipJson<AddrJson[]>(netns, ['addr', 'show', 'dev', VXLAN_DEVICE]))[0]?.addr_info ?? [];
  const have = cur.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  const lines = have.filter((a) => a !== address).map((a) => `addr del ${a} dev ${VXLAN_DEVICE}`);
  if (!have.includes(address)) lines.push(`addr add ${address} dev ${VXLAN_DEVICE}`);
  await ipBatch(netns, lines);
}

/** Removes flannel.1 (and with it its routes, neighbours and FDB entries); a missing one is fine. */
export async function deleteVxlanDevice(netns: string): Promise<void> {
  try {
    await ip(netns, ['link', 'del', VXLAN_DEVICE]);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

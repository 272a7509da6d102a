/**
 * Pod sandboxes: a network namespace `<cluster>-pod-<id12>` with the pod's resolv.conf and hosts
 * under /etc/netns/<netns>/, networked by CNI, and recorded in `<podDir>/sandbox.json` so that a
 * restarted agent (and `podnet exec`) finds it. A NEW id per sandbox, as a new pause container.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../api/types.js';
import { NETNS_DIR, netnsAdd, netnsDel, netnsExists } from '../dataplane/netns.js';
import { type DnsSettings, hostsFile, resolvConf } from './etc-files.js';
import { type PodNetwork, type PortMapping, type SandboxNetworkRef, portMappings } from './pod-network.js';
import { etcNetnsDir, sandboxFile, serviceAccountDir } from './pod-paths.js';
import { type PauseProcess, killPause, pauseAlive, startPause } from './sandbox-pause.js';

export interface SandboxRecord {
  id: string;
  netns: string;
  /** Empty until the network is set up: a record without podIP is a half-made sandbox. */
  podIP: string;
  namespace: string;
  name: string;
  uid: string;
  createdAt: string;
  /** A hostNetwork pod's "sandbox" is the node's own namespace: never created, never deleted. */
  hostNetwork?: boolean;
  /** The hostPorts given to CNI at ADD, kept for DEL. */
  portMappings?: PortMapping[];
  /** The pause process holding the netns; absent for hostNetwork and older agents' records. */
  pause?: PauseProcess;
}

export interface SandboxDeps {
  clusterName: string;
  /** For hostNetwork pods: the node's netns and IP. */
  nodeNetns: string;
  nodeIP: string;
  network: PodNetwork;
  dns: DnsSettings;
  /** The service account token given to pods (written to serviceaccount/token). */
  token?: string;
}

export function sandboxNetworkRef(rec: SandboxRecord): SandboxNetworkRef {
  return {
    id: rec.id, netnsPath: join(NETNS_DIR, rec.netns), namespace: rec.namespace, name: rec.name, uid: rec.uid,
    ...(rec.portMappings?.length ? { portMappings: rec.portMappings } : {}),
  };
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(path + '.tmp', text);
  await rename(path + '.tmp', path);
}

export async function readSandbox(podDir: string): Promise<SandboxRecord | undefined> {
  try {
    return JSON.parse(await readFile(sandboxFile(podDir), 'utf8')) as SandboxRecord;
  } catch {
    return undefined;
  }
}

/** True when the sandbox is complete, its namespace still exists and its pause process runs. */
export async function sandboxReady(rec: SandboxRecord | undefined): Promise<boolean> {
  if (!rec || rec.podIP === '' || !(await netnsExists(rec.netns))) return false;
  return !rec.pause || (await pauseAlive(rec.pause));
}

async function writeServiceAccount(podDir: string, pod: Pod, token: string | undefined): Promise<void> {
  const dir = serviceAccountDir(podDir);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'token'), token ?? '');
  await writeFile(join(dir, 'namespace'), pod.metadata?.namespace ?? 'default');
}

/** The pod's /etc files, in /etc/netns/<netns>/ and (for the CLI and debugging) <podDir>/etc/. */
async function writeEtcFiles(podDir: string, rec: SandboxRecord, pod: Pod, dns: DnsSettings): Promise<void> {
  const files = { 'resolv.conf': resolvConf(pod, dns), hosts: hostsFile(pod, rec.podIP, dns.clusterDomain) };
  // The node's /etc/netns files are not the pod's to write: a hostNetwork pod's resolv.conf is
  // bound from <podDir>/etc by its containers instead.
  const dirs = rec.hostNetwork ? [join(podDir, 'etc')] : [etcNetnsDir(rec.netns), join(podDir, 'etc')];
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeAtomic(join(dir, name), text);
  }
}

/**
 * Creates a new sandbox for `pod`: record first (so a crash leaves something to clean up), then
 * the namespace, the network (loopback + eth0) and the /etc files. On failure it removes what it
 * made and throws.
 */
export async function createSandbox(podDir: string, pod: Pod, deps: SandboxDeps): Promise<SandboxRecord> {
  const id = randomBytes(32).toString('hex');
  const m = pod.metadata ?? {};
  const rec: SandboxRecord = {
    id,
    netns: `${deps.clusterName}-pod-${id.slice(0, 12)}`,
    podIP: '',
    namespace: m.namespace ?? 'default',
    name: m.name ?? '',
    uid: m.uid ?? '',
    createdAt: new Date().toISOString(),
    portMappings: portMappings(pod),
  };
  await mkdir(podDir, { recursive: true });
  if (pod.spec?.hostNetwork) return createHostNetworkSandbox(podDir, pod, { ...rec, netns: deps.nodeNetns, podIP: deps.nodeIP, hostNetwork: true }, deps);
  await writeAtomic(sandboxFile(podDir), JSON.stringify(rec, null, 2) + '\n');
  try {
    await netnsAdd(rec.netns);
    rec.pause = await startPause(rec.netns);
    await writeAtomic(sandboxFile(podDir), JSON.stringify(rec, null, 2) + '\n');
    rec.podIP = await deps.network.setUp(sandboxNetworkRef(rec));
    await writeEtcFiles(podDir, rec, pod, deps.dns);
    await writeServiceAccount(podDir, pod, deps.token);
    await writeAtomic(sandboxFile(podDir), JSON.stringify(rec, null, 2) + '\n');
    return rec;
  } catch (e) {
    await removeSandbox(podDir, rec, deps).catch(() => undefined);
    throw e;
  }
}

async function createHostNetworkSandbox(podDir: string, pod: Pod, rec: SandboxRecord, deps: SandboxDeps): Promise<SandboxRecord> {
  if (!(await netnsExists(rec.netns))) throw new Error(`agent: Cannot run hostNetwork pod: node netns "${rec.netns}" does not exist`);
  await writeEtcFiles(podDir, rec, pod, deps.dns);
  await writeServiceAccount(podDir, pod, deps.token);
  await writeAtomic(sandboxFile(podDir), JSON.stringify(rec, null, 2) + '\n');
  return rec;
}

/**
 * Removes a sandbox: CNI DEL (which releases the IP), the namespace, /etc/netns/<netns>, and the
 * record. Idempotent: each step accepts what is already gone. A hostNetwork sandbox only loses
 * its record: the node's namespace is not the pod's.
 */
export async function removeSandbox(podDir: string, rec: SandboxRecord, deps: Pick<SandboxDeps, 'network'>): Promise<void> {
  if (rec.hostNetwork) {
    await rm(sandboxFile(podDir), { force: true });
    return;
  }
  await deps.network.tearDown(sandboxNetworkRef(rec));
  // After CNI DEL (which may need the pod's side), before the name goes: a pause left alive
  // would keep the namespace, and its veth, alive unnamed.
  if (rec.pause) await killPause(rec.pause);
  await netnsDel(rec.netns);
  await rm(etcNetnsDir(rec.netns), { recursive: true, force: true });
  const current = await readSandbox(podDir);
  if (current?.id === rec.id) await rm(sandboxFile(podDir), { force: true });
}

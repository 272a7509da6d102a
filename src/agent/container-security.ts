/**
 * What a container may touch of the host it shares, as an OCI runtime applies a container's
 * security settings: podnet's containers are host processes, so the state root (store, API and
 * agent sockets, the admin token), the netns handles, the raw devices and the kernel knobs must be
 * hidden inside the container's own mount namespace, and the capabilities that would undo that
 * (mount, setns, ptrace into host processes, mknod) dropped.
 *
 * The lists are facts from the OCI runtime spec defaults that containerd and runc apply
 * (linux.maskedPaths, linux.readonlyPaths, containerd's default capability set); a pod's
 * securityContext (privileged, capabilities.add/drop) adjusts them as kubelet passes it on.
 */
import { basename, dirname, relative, isAbsolute } from 'node:path';
import type { Container } from '../api/types.js';

/** containerd's default bounding set (oci.defaultUnixCaps): no SYS_ADMIN, SYS_PTRACE, NET_ADMIN, SYS_MODULE. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/**
 * Dropped even from the default set: with no device cgroup to stop it, a container with MKNOD
 * could make a node for the host's disk and read the store from the raw blocks.
 */
const NEVER_BY_DEFAULT = new Set(['CAP_MKNOD']);

/** The OCI defaults runc masks (an empty read-only tmpfs over a directory, /dev/null over a file). */
export const OCI_MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** The OCI defaults runc remounts read-only (kernel knobs such as kernel.core_pattern). */
export const OCI_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Where the netns handles live: with them (and SYS_ADMIN) a pod could enter a node's namespace. */
const NETNS_DIR = '/run/netns';

/** What the shim applies inside the container's mount namespace before it execs the program. */
export interface ContainerSecurity {
  /** Replace /dev by a fresh tmpfs holding only null, zero, full, random, urandom, tty, pts, shm. */
  privateDev: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  /** The capability bounding set, `CAP_*` names; undefined keeps every capability (privileged). */
  capabilities?: string[];
}

const capName = (c: string): string => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
const VALID_CAP = /^CAP_[A-Z_]+$/;

/**
 * The bounding set for container `c` (securityContext.capabilities as kubelet passes them:
 * drop first, "ALL" drops everything, then add). Throws naming the field on an invalid name.
 */
export function capabilitiesFor(c: Container): string[] | undefined {
  const sc = c.securityContext;
  if (sc?.privileged) return undefined;
  const add = (sc?.capabilities?.add ?? []).map(capName);
  const drop = (sc?.capabilities?.drop ?? []).map(capName);
  for (const [field, list] of [['add', add], ['drop', drop]] as const) {
    const bad = list.find((x) => !VALID_CAP.test(x));
    if (bad) throw new Error(`agent: Invalid value "${bad}" for containers[${c.name}].securityContext.capabilities.${field}: not a capability name`);
  }
  const base = drop.includes('CAP_ALL') ? [] : DEFAULT_CAPABILITIES.filter((x) => !NEVER_BY_DEFAULT.has(x) && !drop.includes(x));
  return [...new Set([...base, ...add.filter((x) => x !== 'CAP_ALL')])];
}

/** setpriv's --bounding-set value: drop all, then add each (`-all,+chown,+kill`). */
export function boundingSetArg(caps: string[]): string {
  return ['-all', ...caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
}

/**
 * The argv prefix that runs a command with container `c`'s bounding set (exec probes and other
 * commands entering a running container must not carry the agent's capabilities in); [] for a
 * privileged container.
 */
export function capabilityPrefix(c: Container, setpriv = 'setpriv'): string[] {
  const caps = capabilitiesFor(c);
  return caps === undefined ? [] : [setpriv, '--inh-caps=-all', `--bounding-set=${boundingSetArg(caps)}`, '--'];
}

const isWithin = (path: string, dir: string): boolean => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * podnet's own host paths a pod must not see: the state root of every cluster when the node
 * root follows docs/layout.md (`<root>/<cluster>/nodes/<node>`), else the node root alone; and the
 * netns handles. A path holding the program the container runs (`keep`) is never hidden.
 */
export function podnetHiddenPaths(nodeRoot: string, clusterName: string | undefined, keep: string[]): string[] {
  const clusterDir = dirname(dirname(nodeRoot));
  const layout = basename(dirname(nodeRoot)) === 'nodes' && (!clusterName || basename(clusterDir) === clusterName);
  const state = layout ? dirname(clusterDir) : nodeRoot;
  return [state, NETNS_DIR].filter((p) => p !== '/' && !keep.some((k) => isWithin(k, p)));
}

/** The settings for container `c`; `hidden` are podnet's own paths (podnetHiddenPaths). */
export function containerSecurity(c: Container, hidden: string[]): ContainerSecurity {
  const capabilities = capabilitiesFor(c);
  const privileged = capabilities === undefined;
  return {
    // A privileged container sees the host's devices and kernel knobs, as upstream's does.
    privateDev: !privileged,
    maskedPaths: [...hidden, ...(privileged ? [] : OCI_MASKED_PATHS)],
    readonlyPaths: privileged ? [] : [...OCI_READONLY_PATHS],
    capabilities,
  };
}

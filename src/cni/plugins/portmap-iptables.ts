/**
 * portmap's changes to table nat in one `iptables-restore --noflush` per family, computed
 * against one `iptables -t nat -S` listing: top-level chains and jumps only when missing
 * (declaring an existing chain in a restore flushes it), the attachment's CNI-DN chain always
 * declared (created or flushed, then filled), entries appended when missing.
 */
import { mkdir } from 'node:fs/promises';
import { withFileLock } from '../file-lock.js';
import { withKeyLock } from '../mutex.js';
import { type NsTarget, nsRun } from '../ns.js';
import { nsIdentity } from './bridge-host.js';
import { MASQ_CHAIN, SETMARK_CHAIN, TOPLEVEL_DNAT, toplevelRules } from './portmap-rules.js';

export type Family = 4 | 6;

/** What `iptables -t nat -S` shows: chains, and each chain's rules without the `-A CHAIN `. */
export interface NatTable {
  chains: Set<string>;
  rules: Map<string, string[]>;
}

const binary = (f: Family): string => (f === 4 ? 'iptables' : 'ip6tables');

export function parseNatListing(text: string): NatTable {
  const t: NatTable = { chains: new Set(), rules: new Map() };
  for (const line of text.split('\n')) {
    const m = /^-(N|P|A) (\S+)(?: (.*))?$/.exec(line.trim());
    if (!m) continue;
    t.chains.add(m[2]);
    if (m[1] === 'A') t.rules.set(m[2], [...(t.rules.get(m[2]) ?? []), m[3] ?? '']);
  }
  return t;
}

export async function listNat(host: NsTarget, f: Family): Promise<NatTable> {
  const out = await nsRun(host, binary(f), ['-w', '-t', 'nat', '-S']);
  return parseNatListing(out.stdout);
}

export async function restoreNat(host: NsTarget, f: Family, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await nsRun(host, `${binary(f)}-restore`, ['-w', '--noflush'], { input: ['*nat', ...lines, 'COMMIT', ''].join('\n') });
}

/** One lock file for every netns: a table edit takes milliseconds, contention is rare. */
export const NAT_LOCK_FILE = '/run/lock/podnet-portmap.lock';

/**
 * Serialises read-modify-write of one netns's nat table: in this process by key, and across
 * processes (standalone plugins run in parallel) with flock on NAT_LOCK_FILE.
 */
export async function withNatLock<T>(host: NsTarget, f: Family, fn: () => Promise<T>): Promise<T> {
  return withKeyLock(`portmap:${await nsIdentity(host)}:${f}`, async () => {
    await mkdir('/run/lock', { recursive: true });
    return withFileLock(NAT_LOCK_FILE, fn);
  });
}

/** Restore lines that create the fixed chains and jumps that are missing (SETMARK/MASQ only with snat). */
export function toplevelLines(t: NatTable, snat: boolean, markBit: number): string[] {
  const rules = toplevelRules(markBit);
  const chains = [...(snat ? [SETMARK_CHAIN, MASQ_CHAIN] : []), TOPLEVEL_DNAT];
  const lines = chains.filter((c) => !t.chains.has(c)).map((c) => `:${c} - [0:0]`);
  const has = (chain: string, rule: string): boolean => (t.rules.get(chain) ?? []).includes(rule);
  for (const chain of snat ? [SETMARK_CHAIN, MASQ_CHAIN] : []) {
    for (const r of rules[chain]) if (!has(chain, r)) lines.push(`-A ${chain} ${r}`);
  }
  // The jumps go first in the built-in chains, as the reference inserts them.
  for (const chain of [...(snat ? ['POSTROUTING'] : []), 'PREROUTING', 'OUTPUT']) {
    for (const r of rules[chain]) if (!has(chain, r)) lines.push(`-I ${chain} 1 ${r}`);
  }
  return lines;
}

/** Restore lines that fill the attachment's chain and append its missing entries. */
export function attachmentLines(t: NatTable, chain: string, dnat: string[], entries: string[]): string[] {
  const have = t.rules.get(TOPLEVEL_DNAT) ?? [];
  return [`:${chain} - [0:0]`, ...dnat.map((r) => `-A ${chain} ${r}`), ...entries.filter((e) => !have.includes(e)).map((e) => `-A ${TOPLEVEL_DNAT} ${e}`)];
}

/** Restore lines that remove the entries carrying `comment` and the chains they jump to. */
export function removalLines(t: NatTable, matches: (rule: string) => boolean, chains: string[]): string[] {
  const entries = (t.rules.get(TOPLEVEL_DNAT) ?? []).filter(matches);
  const targets = new Set([...chains, ...entries.map((e) => /-j (\S+)$/.exec(e)?.[1] ?? '')].filter((c) => t.chains.has(c)));
  return [...entries.map((e) => `-D ${TOPLEVEL_DNAT} ${e}`), ...[...targets].flatMap((c) => [`-F ${c}`, `-X ${c}`])];
}

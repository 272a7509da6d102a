/**
 * birdc, BIRD's control client, over a daemon's control socket (a unix socket on the file system,
 * reachable from any namespace): `configure` re-reads bird.cfg without a restart, `show
 * protocols` says which sessions are Established (what `calicoctl node status` shows).
 */
import { run, ToolError } from '../../dataplane/exec.js';

export interface BirdProtocol {
  name: string;
  /** `BGP`, `Kernel`, `Device`, `Direct`, `Static`. */
  proto: string;
  /** `up`, `start`, `down`, ... */
  state: string;
  /** BGP: `Established`, `Active`, `Connect`, `Passive`, ... (may carry a reason). */
  info: string;
}

/** Runs one birdc command; throws ToolError when birdc fails or BIRD reports an error. */
export async function birdc(ctlPath: string, args: readonly string[]): Promise<string> {
  const res = await run('birdc', ['-s', ctlPath, ...args]);
  // birdc exits 0 whatever BIRD answers; BIRD's error replies carry codes 8000-9999.
  const failed = res.stdout.split('\n').find((l) => /^(8|9)\d{3}[ -]/.test(l) || /syntax error|Unable to connect/i.test(l));
  if (failed !== undefined) throw new ToolError('birdc', ['-s', ctlPath, ...args], res.code, res.stdout);
  return res.stdout;
}

/**
 * `birdc configure`: BIRD parses the file again and applies the difference (a removed peer's
 * session closes and its routes are withdrawn; a new one starts). Throws with BIRD's message when
 * the file does not parse; the running configuration then stays.
 */
export async function birdConfigure(ctlPath: string): Promise<string> {
  const out = await birdc(ctlPath, ['configure']);
  if (!/Reconfigured|Reconfiguration in progress|queueing new config/i.test(out)) {
    throw new ToolError('birdc', ['-s', ctlPath, 'configure'], 0, out);
  }
  return out;
}

/** Parses `show protocols`: one row per protocol after BIRD's banner and header. */
export function parseProtocols(text: string): BirdProtocol[] {
  const rows: BirdProtocol[] = [];
  for (const line of text.split('\n')) {
    if (/^(BIRD|Name)\b/.test(line) || !line.trim()) continue;
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+(?: \S+)?)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    // The Since column is a time ("01:02:03.456") or a date and time; Info follows it.
    const since = m[5].split(' ');
    const info = since.length > 1 && !/^\d/.test(since[1]) ? `${since[1]} ${m[6]}` : m[6];
    rows.push({ name: m[1], proto: m[2], state: m[4], info: info.trim() });
  }
  return rows;
}

export async function showProtocols(ctlPath: string): Promise<BirdProtocol[]> {
  return parseProtocols(await birdc(ctlPath, ['show', 'protocols']));
}

/** The BGP sessions and whether each is Established. */
export async function bgpSessions(ctlPath: string): Promise<BirdProtocol[]> {
  return (await showProtocols(ctlPath)).filter((p) => p.proto === 'BGP');
}

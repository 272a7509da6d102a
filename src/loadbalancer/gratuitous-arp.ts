/**
 * Gratuitous ARP on taking over a load-balancer address (MetalLB layer 2 does the same): hosts
 * on the node network keep the old node's MAC in their neighbour cache until the entry goes
 * stale (tens of seconds), so the new holder broadcasts its MAC for the address at once. As
 * MetalLB, both forms are sent: an unsolicited request (`arping -U`) and an unsolicited reply
 * (`arping -A`); some hosts only heed one. Linux ignores an update within `locktime` (1 s) of
 * the previous one, so the announcement is repeated once after that.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../dataplane/exec.js';

/** Re-announcement delay: past Linux's default neighbour locktime (1 s). */
export const GARP_REPEAT_MS = 1500;

/** Sends one gratuitous ARP request and one reply for `ip` out of `device` inside `netns`. */
export async function sendGratuitousArp(netns: string, device: string, ip: string): Promise<void> {
  // -c 1 makes arping wait about a second for answers nobody sends: both forms run in parallel.
  await Promise.all(['-U', '-A'].map((form) => run('ip', ['netns', 'exec', netns, 'arping', form, '-c', '1', '-I', device, ip])));
}

/**
 * Announces now and once more after `repeatMs` if `stillHeld()` (the node may have lost the
 * address meanwhile: it must not claim it then); resolves after both, or at once when `signal`
 * aborts (the speaker stops).
 */
export async function announceTakeover(netns: string, device: string, ip: string, stillHeld: () => boolean, repeatMs = GARP_REPEAT_MS, signal?: AbortSignal): Promise<void> {
  await sendGratuitousArp(netns, device, ip);
  const aborted = await sleep(repeatMs, { signal }).then(() => false, () => true);
  if (!aborted && stillHeld()) await sendGratuitousArp(netns, device, ip);
}

import { createHash } from 'node:crypto';

/**
 * Deterministic short names, prefix + hash, so a restarted component finds what it made.
 * Linux interface names are limited to 15 bytes (IFNAMSIZ - 1).
 */
export const IFNAMSIZ_MAX = 15;

export function shortHash(input: string, len = 8): string {
  return createHash('sha256').update(input).digest('hex').slice(0, len);
}

/** `<prefix><hash>` cut to fit an interface name. */
export function linkName(prefix: string, seed: string): string {
  const room = IFNAMSIZ_MAX - prefix.length;
  if (room < 4) throw new Error(`names: Cannot make a link name from prefix "${prefix}": longer than ${IFNAMSIZ_MAX - 4} bytes`);
  return prefix + shortHash(seed, room);
}

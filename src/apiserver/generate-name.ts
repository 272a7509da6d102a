/** generateName: the prefix (cut to 58 characters) plus 5 random characters, as upstream. */
import { randomInt } from 'node:crypto';

// Upstream's alphabet leaves out vowels and look-alikes so generated names never spell words.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return prefix.slice(0, 58) + suffix;
}

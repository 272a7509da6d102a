/**
 * Fixtures for CNI integration tests: a per-run prefix, namespaces and a scratch directory
 * that are all removed in teardown, and a check that nothing with the prefix remains.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsAdd, netnsDel, netnsList } from '../../src/dataplane/netns.js';

/** The repository root (dist/test/helpers/ → ../../..). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const SHIM_DIR = join(REPO, 'bin', 'cni');
export const REFERENCE_DIR = '/usr/lib/cni';

/** `t` + 5 random [a-z0-9] + `-`. */
export function uniquePrefix(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `t${[...randomBytes(5)].map((b) => chars[b % chars.length]).join('')}-`;
}

export class CniFixture {
  readonly prefix = uniquePrefix();
  dir = '';
  private readonly made: string[] = [];

  async setup(): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), `${this.prefix}cni-`));
    return this;
  }

  /** Creates netns `<prefix><suffix>` and returns its name. */
  async netns(suffix: string): Promise<string> {
    const name = this.prefix + suffix;
    this.made.push(name);
    await netnsAdd(name);
    return name;
  }

  /** Removes every namespace and the scratch directory, then asserts nothing remains. */
  async teardown(): Promise<void> {
    for (const name of await netnsList(this.prefix)) await netnsDel(name);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    assert.deepEqual(await netnsList(this.prefix), [], 'netns with the test prefix remain');
    const etc = existsSync('/etc/netns') ? (await readdir('/etc/netns')).filter((n) => n.startsWith(this.prefix)) : [];
    assert.deepEqual(etc, [], '/etc/netns entries with the test prefix remain');
    assert.equal(existsSync(this.dir), false, 'scratch directory remains');
  }
}

export const netnsPath = (name: string): string => `/run/netns/${name}`;

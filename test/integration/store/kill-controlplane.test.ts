/**
 * kill -9 the control plane during writes: no acknowledged write is lost (issue 3). Eight
 * clients create ConfigMaps against the real `podnet controlplane` process; it is SIGKILLed in
 * mid-stream, started again on the same store, and every create that got a 201 must be there
 * with the resourceVersion it was acknowledged with; revisions keep increasing after the restart.
 * On SQLite (WAL, synchronous=NORMAL: a commit is in the WAL file before the 201, so a process
 * crash cannot lose it; only power loss could) and on an external etcd.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/types.js';
import { controlPlane, type ControlPlane } from '../../helpers/store-controlplane.js';
import { startEtcd, type EtcdServer } from '../../helpers/etcd.js';

const WORKERS = 8;
const KILL_AFTER = 150;

interface Outcome {
  acked: Map<string, string>;
  failed: number;
}

/** Creates until the process dies under them; kills it once `KILL_AFTER` creates are acknowledged. */
async function createUntilKilled(cp: ControlPlane): Promise<Outcome> {
  const acked = new Map<string, string>();
  let failed = 0;
  let killing: Promise<void> | undefined;
  const worker = async (w: number): Promise<void> => {
    const c = cp.client();
    try {
      for (let i = 0; ; i++) {
        const name = `w${w}-${i}`;
        try {
          const obj = await c.create<KubeObject>('configmaps', 'default', { metadata: { name }, data: { i: String(i) } } as KubeObject);
          acked.set(name, obj.metadata!.resourceVersion!);
        } catch {
          failed++;
          return; // the server is gone
        }
        if (acked.size >= KILL_AFTER) killing ??= cp.kill('SIGKILL');
      }
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await killing;
  return { acked, failed };
}

async function checkSurvivors(cp: ControlPlane, { acked }: Outcome): Promise<void> {
  const c = cp.client();
  try {
    const list = await c.list<KubeObject>('configmaps', 'default');
    const found = new Map(list.items.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
    const lost = [...acked].filter(([name, rv]) => found.get(name) !== rv);
    assert.deepEqual(lost, [], `acknowledged creates lost or changed: ${lost.length} of ${acked.size}`);
    const maxAcked = Math.max(...[...acked.values()].map(Number));
    assert.ok(Number(list.metadata.resourceVersion) >= maxAcked, 'the list is at least as new as every acknowledged write');
    const next = await c.create<KubeObject>('configmaps', 'default', { metadata: { name: 'after-restart' } } as KubeObject);
    assert.ok(Number(next.metadata!.resourceVersion) > maxAcked, `revisions keep increasing: ${next.metadata!.resourceVersion} > ${maxAcked}`);
  } finally {
    c.close();
  }
}

async function killAndRestart(cp: ControlPlane, diagnostic: (msg: string) => void): Promise<void> {
  await cp.start();
  const outcome = await createUntilKilled(cp);
  diagnostic(`${outcome.acked.size} creates acknowledged; ${outcome.failed} failed (in flight at the kill, or refused after it)`);
  assert.equal(cp.pid, undefined, 'the control plane was killed');
  assert.ok(outcome.acked.size >= KILL_AFTER, `${outcome.acked.size} creates acknowledged before the kill`);
  assert.ok(outcome.failed > 0, 'the clients were still writing when the process died');
  await cp.start();
  await checkSurvivors(cp, outcome);
}

describe('kill -9 the control plane during writes', { timeout: 180_000 }, () => {
  let etcd: EtcdServer;
  const planes: ControlPlane[] = [];
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const cp of planes) await cp.remove();
    await etcd?.stop();
  });

  it('loses no acknowledged create on SQLite', async (t) => {
    const cp = await controlPlane();
    planes.push(cp);
    await killAndRestart(cp, (m) => t.diagnostic(m));
  });

  it('loses no acknowledged create on etcd', async (t) => {
    const cp = await controlPlane({ datastoreEndpoint: etcd.endpoint });
    planes.push(cp);
    await killAndRestart(cp, (m) => t.diagnostic(m));
  });
});

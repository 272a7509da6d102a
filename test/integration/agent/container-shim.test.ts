/**
 * One suite, both container shims (Perl and Node): the same pid file, CRI log records and exit
 * record, for a container process started in a real network namespace.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observeContainer, signalContainer, startContainer, type ContainerObservation } from '../../../src/agent/container-runtime.js';
import { REPO, eventually, uniqueName } from '../../helpers/agent-node.js';

const SHIMS = {
  perl: join(REPO, 'src', 'agent', 'container-shim.pl'),
  node: join(REPO, 'dist', 'src', 'agent', 'container-shim.js'),
};

for (const [kind, shimPath] of Object.entries(SHIMS)) {
  describe(`container shim (${kind})`, { timeout: 60_000 }, () => {
    const ns = `${uniqueName('t')}-shim`;
    const root = mkdtempSync(join(tmpdir(), `${ns}-`));
    let n = 0;
    const started: number[] = [];

    const run = async (argv: string[], env: Record<string, string> = { PATH: '/usr/bin:/bin' }) => {
      const dir = join(root, `c${n++}`);
      const attempt = await startContainer({
        dir, shimPath, image: 'busybox', imageID: 'x', sandboxId: 's', previous: { restartCount: 0 },
        spec: { netns: ns, hostname: 'pod-a', mounts: [], workingDir: '/', argv, env },
      });
      started.push(attempt.pid);
      return { dir, attempt };
    };
    const exited = (dir: string) =>
      eventually(async () => {
        const o = await observeContainer(dir);
        return o.kind === 'exited' ? (o as Extract<ContainerObservation, { kind: 'exited' }>) : undefined;
      }, 10_000, 'exit');
    const records = (dir: string) => readFileSync(join(dir, '0.log'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const [time, stream, tag, ...rest] = l.split(' ');
      assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      return `${stream} ${tag} ${rest.join(' ')}`;
    });

    before(() => {
      execFileSync('ip', ['netns', 'add', ns]);
    });
    after(() => {
      for (const pid of started) signalContainer(pid, 'SIGKILL');
      spawnSync('ip', ['netns', 'del', ns]);
      // A shim may still be writing its exit record after its container was killed: end the
      // shims too (their argv names files under root), then remove with retries.
      spawnSync('pkill', ['-KILL', '-f', root]);
      rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      assert.equal(existsSync(`/run/netns/${ns}`), false);
    });

    it('records pid, both streams line by line, and the exit code', async () => {
      const { dir, attempt } = await run(['sh', '-c', 'echo out; echo err >&2; hostname; echo "$FOO"; printf partial; exit 3'], { PATH: '/nonexistent:/bin', FOO: 'bar' });
      assert.equal(Number(readFileSync(join(dir, 'pid'), 'utf8')), attempt.pid);
      const obs = await exited(dir);
      assert.deepEqual([obs.exit.exitCode, obs.exit.reason, obs.exit.signal], [3, 'Error', undefined]);
      const recs = records(dir);
      assert.deepEqual(recs.filter((r) => r.startsWith('stdout')), ['stdout F out', 'stdout F pod-a', 'stdout F bar', 'stdout F partial']);
      assert.deepEqual(recs.filter((r) => r.startsWith('stderr')), ['stderr F err']);
    });

    it('cuts lines longer than 16 KiB into P records', async () => {
      const { dir } = await run(['sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" x; echo']);
      const obs = await exited(dir);
      assert.equal(obs.exit.reason, 'Completed');
      assert.deepEqual(records(dir).map((r) => `${r.slice(0, 8)}${r.length - 9}`), ['stdout P16384', 'stdout F3616']);
    });

    it('a start the agent never recorded is killed before the container starts again', async () => {
      const dir = join(root, 'stray');
      const req = {
        dir, shimPath, image: 'busybox', imageID: 'x', sandboxId: 's', previous: { restartCount: 0 },
        spec: { netns: ns, hostname: 'pod-a', mounts: [], workingDir: '/', argv: ['sleep', '101'], env: { PATH: '/usr/bin:/bin' } },
      };
      const first = await startContainer(req);
      started.push(first.pid);
      rmSync(join(dir, 'state.json')); // as if the agent stopped before recording the attempt
      const second = await startContainer(req);
      started.push(second.pid);
      assert.notEqual(second.pid, first.pid);
      await eventually(() => !existsSync(`/proc/${first.pid}/cmdline`) || readFileSync(`/proc/${first.pid}/cmdline`, 'utf8') === '', 5000, 'stray gone');
      assert.equal((await observeContainer(dir)).kind, 'running');
    });

    it('reports a kill as 128+signal with the signal name', async () => {
      const { dir, attempt } = await run(['sleep', '100']);
      signalContainer(attempt.pid, 'SIGKILL');
      const obs = await exited(dir);
      assert.deepEqual([obs.exit.exitCode, obs.exit.signal, obs.exit.reason], [137, 'SIGKILL', 'Error']);
    });
  });
}

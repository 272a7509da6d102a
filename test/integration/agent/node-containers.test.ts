/**
 * `killNodeContainers`: every recorded container of a node dies, even one whose netns name was
 * deleted under it (which `ip netns pids` can no longer find).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startContainer } from '../../../src/agent/container-runtime.js';
import { killNodeContainers } from '../../../src/agent/node-containers.js';
import { containerDir, podDir } from '../../../src/agent/pod-paths.js';
import { REPO, alive, destroyTestNode, eventually, leftovers, makeTestNode, recordedPids, type SeenProcess } from '../../helpers/agent-node.js';

describe('killing a node\'s recorded containers', { timeout: 60_000 }, () => {
  const node = makeTestNode();
  const seen: SeenProcess[] = [];
  after(() => {
    destroyTestNode(node, seen);
    assert.deepEqual(leftovers(node, seen), []);
  });

  it('kills containers by their records, a re-execed one in a deleted netns included', async () => {
    const podNs = `${node.cluster}-pod-aaaaaaaaaaaa`;
    execFileSync('ip', ['netns', 'add', podNs]);
    const start = (pod: string, name: string, argv: string[], shim: string) =>
      startContainer({
        dir: containerDir(podDir(node.nodeRoot, pod), name), shimPath: shim, image: 'busybox', imageID: 'x', sandboxId: 's',
        previous: { restartCount: 0 }, spec: { netns: podNs, hostname: 'p', mounts: [], workingDir: '/', argv, env: { PATH: '/usr/bin:/bin' } },
      });
    await start('uid-a', 'renamed', ['bash', '-c', 'exec -a renamed-sleeper sleep 1000'], join(REPO, 'src', 'agent', 'container-shim.pl'));
    await start('uid-b', 'plain', ['sleep', '1001'], join(REPO, 'dist', 'src', 'agent', 'container-shim.js'));
    seen.push(...recordedPids(node.nodeRoot));
    assert.equal(seen.length, 4, 'two containers and two shims run');
    // The netns name goes; its processes keep the namespace alive, unnamed.
    execFileSync('ip', ['netns', 'del', podNs]);
    assert.equal(await killNodeContainers(node.nodeRoot), 2);
    await eventually(() => seen.every((p) => !alive(p)), 5000, 'containers and shims to exit');
  });
});

/**
 * A container whose program re-execs itself with another argv[0] (as pyenv's python3 shim does)
 * is still the same container: one process, running, never restarted; and deleting its pod kills
 * every process of the pod, a child that left the container's process group included. Both
 * shims, a real sandbox (netns + CNI) per suite.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { startCniServer, type CniServer } from '../../../src/cni/server.js';
import { writeCniConfig } from '../../../src/agent/cni-config.js';
import { createCniNetwork } from '../../../src/agent/cni-network.js';
import { createSandbox, type SandboxRecord, type SandboxDeps } from '../../../src/agent/sandbox.js';
import { syncContainer, type ContainerSyncDeps } from '../../../src/agent/container-sync.js';
import { observeContainer } from '../../../src/agent/container-runtime.js';
import { Backoff } from '../../../src/agent/backoff.js';
import { podDir } from '../../../src/agent/pod-paths.js';
import { removePod } from '../../../src/agent/pod-termination.js';
import { REPO, destroyTestNode, eventually, leftovers, makeTestNode, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

const SHIMS = {
  perl: join(REPO, 'src', 'agent', 'container-shim.pl'),
  node: join(REPO, 'dist', 'src', 'agent', 'container-shim.js'),
};

/**
 * Pids of live processes whose command line contains `marker` (starts with it, when `leading`:
 * the Perl shim's own command line holds the container's whole command).
 */
function processesWith(marker: string, leading = false): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      const state = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.[0];
      if ((leading ? cmd.startsWith(marker) : cmd.includes(marker)) && state !== 'Z') out.push(Number(d));
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

for (const [kind, shimPath] of Object.entries(SHIMS)) {
  describe(`container identity across a re-exec (${kind} shim)`, { timeout: 90_000 }, () => {
    // Unique sleep durations (`sleep <base><digit>`) mark this suite's processes among everyone else's.
    const base = String(100_000 + Math.floor(Math.random() * 800_000));
    const mark = `sleep ${base}`;
    const renamed = `renamed-${base}`;
    const pod: Pod = {
      metadata: { name: 'reexec', namespace: 'default', uid: `uid-reexec-${kind}` },
      spec: {
        nodeName: 'node1',
        restartPolicy: 'Always',
        containers: [
          // bash's `exec -a` replaces the process with argv[0] = the renamed name.
          { name: 'wrapped', image: 'busybox', command: ['bash', '-c', `exec -a ${renamed} sleep ${base}0`] },
          // A child that makes itself a session (and group) leader: out of reach of the group kill.
          { name: 'escaper', image: 'busybox', command: ['sh', '-c', `setsid sleep ${base}1 & exec sleep ${base}2`] },
        ],
      },
    };
    let node: TestNode;
    let server: CniServer;
    let sandboxDeps: SandboxDeps;
    let deps: ContainerSyncDeps;
    let sandbox: SandboxRecord;
    let dir: string;
    const pids: SeenProcess[] = [];

    before(async () => {
      node = makeTestNode();
      dir = podDir(node.nodeRoot, pod.metadata!.uid!);
      await writeCniConfig(join(node.nodeRoot, 'cni', 'net.d'), { podCIDR: '10.244.0.0/24', dataDir: join(node.nodeRoot, 'cni', 'networks') });
      server = await startCniServer({ socketPath: join(node.nodeRoot, 'agent.sock'), hostNetns: node.netns });
      const network = createCniNetwork({ nodeRoot: node.nodeRoot, repoRoot: REPO, nodeNetns: node.netns });
      sandboxDeps = { clusterName: node.cluster, nodeNetns: node.netns, nodeIP: '172.18.0.11', network, dns: { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local' } };
      deps = {
        backoff: new Backoff(),
        shimPath,
        nodePath: process.execPath,
        mainJs: join(REPO, 'dist', 'src', 'images', 'main.js'),
        serviceEnv: () => [],
        envSources: { configMap: async () => undefined, secret: async () => undefined },
        podDirOf: () => dir,
      };
      sandbox = await createSandbox(dir, pod, sandboxDeps);
    });

    after(async () => {
      pids.push(...recordedPids(node.nodeRoot));
      await server?.close();
      destroyTestNode(node, pids);
      assert.deepEqual(leftovers(node, pids), []);
      assert.deepEqual(processesWith(mark), []);
    });

    it('keeps one running process with its first containerID through syncs after the re-exec', async () => {
      const first = await syncContainer(pod, pod.spec!.containers[0]!, dir, sandbox, deps);
      assert.ok(first.view.state.running, JSON.stringify(first.view.state));
      pids.push(...recordedPids(node.nodeRoot));
      // Wait until the program runs under its new name.
      await eventually(() => processesWith(renamed, true).length === 1, 10_000, 'the re-exec').catch((e: Error) => {
        throw new Error(`${e.message}; container log: ${readFileSync(join(dir, 'containers', 'wrapped', '0.log'), 'utf8')}`);
      });
      for (let i = 0; i < 3; i++) {
        const again = await syncContainer(pod, pod.spec!.containers[0]!, dir, sandbox, deps);
        assert.ok(again.view.state.running, `sync ${i}: ${JSON.stringify(again.view.state)}`);
        assert.equal(again.view.containerID, first.view.containerID);
        assert.equal(again.view.restartCount, 0);
      }
      const obs = await observeContainer(join(dir, 'containers', 'wrapped'));
      assert.equal(obs.kind, 'running');
      assert.equal(processesWith(renamed, true).length, 1, 'exactly one copy of the container runs');
      assert.equal(processesWith(renamed, true)[0], obs.state.current?.pid, 'the recorded pid is the renamed process');
    });

    it('deleting the pod kills every process of the pod, the escaped child included', async () => {
      const r = await syncContainer(pod, pod.spec!.containers[1]!, dir, sandbox, deps);
      assert.ok(r.view.state.running, JSON.stringify(r.view.state));
      pids.push(...recordedPids(node.nodeRoot));
      await eventually(() => processesWith(`${mark}1`, true).length === 1, 10_000, 'the escaped child');
      await removePod(dir, 1, sandboxDeps);
      await eventually(() => processesWith(mark).length === 0, 5000, 'every process of the pod to exit');
      assert.deepEqual(processesWith(renamed), []);
    });
  });
}

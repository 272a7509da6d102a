import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newClusterConfig } from '../../../src/cluster/config.js';
import { PODNET_BIN } from '../../../src/cluster/processes.js';
import { clusterDaemons, daemonRunning } from '../../../src/cli/restart.js';

describe('podnet restart: which daemons, and which are running', () => {
  const root = mkdtempSync(join(tmpdir(), 'restart-'));
  mkdirSync(join(root, 'run'));
  const children: number[] = [];
  after(() => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone (the test kills it itself).
      }
    }
    rmSync(root, { recursive: true, force: true });
  });
  const cfg = newClusterConfig('rx', 2, 6443, 'tok');
  const recordPid = (name: string, pid: number) => writeFileSync(join(root, 'run', `${name}.pid`), `${pid}\n`);

  it('lists up\'s daemons in start order with up\'s command lines', () => {
    assert.deepEqual(clusterDaemons(cfg), [
      { name: 'controlplane', args: ['controlplane', '--name', 'rx'] },
      { name: 'relay', args: ['relay', '--name', 'rx'], netns: cfg.controlPlane.netns },
      { name: 'agent-node1', args: ['agent', '--name', 'rx', '--node', 'node1'] },
      { name: 'agent-node2', args: ['agent', '--name', 'rx', '--node', 'node2'] },
    ]);
  });

  it('counts a daemon as running only when its recorded pid runs that podnet command', async () => {
    const [, , agent1, agent2] = clusterDaemons(cfg);
    assert.equal(daemonRunning(root, agent1), false, 'no pid file');
    recordPid(agent1.name, process.pid);
    assert.equal(daemonRunning(root, agent1), false, 'a live pid reused by another program');
    // A stand-in with the daemon's argv after the podnet launcher (it never runs podnet).
    const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', PODNET_BIN, ...agent1.args], { stdio: 'ignore' });
    children.push(c.pid!);
    recordPid(agent1.name, c.pid!);
    recordPid(agent2.name, c.pid!);
    assert.equal(daemonRunning(root, agent1), true);
    assert.equal(daemonRunning(root, agent2), false, 'another node\'s agent command line');
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    assert.equal(daemonRunning(root, agent1), false, 'killed');
  });
});

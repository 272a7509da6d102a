import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../../src/client/client.js';
import { validateAgentOptions } from '../../../src/agent/options.js';
import { hostOsImage, newNode, nodeStatus } from '../../../src/agent/node-status.js';

describe('agent options', () => {
  const client = new Client({ server: 'http://127.0.0.1:1' });
  const good = { client, clusterName: 'c', nodeName: 'node1', nodeNetns: 'c-node1', nodeIP: '172.18.0.11', nodeRoot: '/x', repoRoot: '/r' };
  it('accepts a complete set', () => validateAgentOptions(good));
  it('names every bad field', () => {
    assert.throws(
      () => validateAgentOptions({ ...good, nodeIP: '1.2.3', nodeName: '', apiServicePort: 70000 }),
      /nodeName: Required value; nodeIP: Invalid value "1.2.3".*apiServicePort: Invalid value "70000"/,
    );
  });
});

describe('node object', () => {
  const input = { nodeName: 'node1', nodeIP: '172.18.0.11', cpus: 2, memoryBytes: 4 * 1024 * 1024 * 1024, kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)' };
  it('carries labels, addresses, capacity and nodeInfo as kubelet registers them', () => {
    const n = newNode(input, '2026-01-01T00:00:00Z');
    assert.deepEqual(n.metadata?.labels?.['kubernetes.io/hostname'], 'node1');
    assert.equal(n.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.equal(n.metadata?.labels?.['kubernetes.io/arch'], 'amd64');
    assert.deepEqual(n.status?.addresses, [{ type: 'InternalIP', address: '172.18.0.11' }, { type: 'Hostname', address: 'node1' }]);
    assert.deepEqual(n.status?.capacity, { cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '10Gi' });
    assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
    assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, 'podnet://0.1.0');
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['True', 'KubeletReady']);
  });
  it('refreshes lastHeartbeatTime and keeps lastTransitionTime', () => {
    const first = nodeStatus(input, undefined, 'T0');
    const next = nodeStatus(input, first, 'T1');
    const ready = next.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.lastHeartbeatTime, ready.lastTransitionTime], ['T1', 'T0']);
  });
  it('reads PRETTY_NAME from os-release', () => {
    assert.equal(hostOsImage('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  });
});

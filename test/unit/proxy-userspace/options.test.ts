import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../../src/client/client.js';
import { startUserspaceProxy } from '../../../src/proxy/userspace/index.js';

const base = {
  client: new Client({ server: 'http://127.0.0.1:9', userAgent: 'options-test' }),
  nodeName: 'node1', netns: 'tnope-node', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
};

test('bad options are refused before anything starts, naming every field', async () => {
  await assert.rejects(startUserspaceProxy({ ...base, nodeIP: 'x', clusterCIDR: '10.244.0.0' }),
    /nodeIP: Invalid value "x".*clusterCIDR: Invalid value "10.244.0.0"/);
  await assert.rejects(startUserspaceProxy({ ...base, udpIdleTimeoutMs: 0 }), /udpIdleTimeoutMs: Invalid value "0": must be a positive integer/);
});

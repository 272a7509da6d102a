import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUdpFlows, staleUdpPortalFlows } from '../../../src/proxy/userspace/udp-conntrack.js';

const LIST = `udp      17 28 src=10.244.0.2 dst=10.96.0.53 sport=40053 dport=53 src=10.244.0.1 dst=10.244.0.2 sport=35593 dport=40053 mark=0 use=1
udp      17 20 src=10.244.0.2 dst=10.96.0.60 sport=40054 dport=53 [UNREPLIED] src=10.244.0.1 dst=10.244.0.2 sport=41111 dport=40054 mark=0 use=1
udp      17 25 src=10.244.0.2 dst=10.244.0.3 sport=5000 dport=5353 src=10.244.0.3 dst=10.244.0.2 sport=5353 dport=5000 mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.
`;

test('parseUdpFlows reads the original destination and the reply source port', () => {
  assert.deepEqual(parseUdpFlows(LIST), [
    { origDst: '10.96.0.53', origDport: 53, replySport: 35593 },
    { origDst: '10.96.0.60', origDport: 53, replySport: 41111 },
    { origDst: '10.244.0.3', origDport: 5353, replySport: 5353 },
  ]);
});

test('flows to a portal served by an old proxy port, or to a portal gone, are stale; others are kept', () => {
  const flows = parseUdpFlows(LIST);
  assert.deepEqual(staleUdpPortalFlows(flows, new Map([['10.96.0.53:53', 35593]]), new Set(['10.96.0.60:53'])), [
    { origDst: '10.96.0.60', origDport: 53, replySport: 41111 },
  ]);
  assert.deepEqual(staleUdpPortalFlows(flows, new Map([['10.96.0.53:53', 36000]]), new Set()), [
    { origDst: '10.96.0.53', origDport: 53, replySport: 35593 },
  ]);
  assert.deepEqual(staleUdpPortalFlows(flows, new Map(), new Set()), []);
});

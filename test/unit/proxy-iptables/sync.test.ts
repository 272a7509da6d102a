/** Partial and full iptables syncs (KEP-3453): which chains a restore writes and deletes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { buildIptablesRuleset } from '../../../src/proxy/iptables/ruleset.js';
import { planFullSync, planPartialSync } from '../../../src/proxy/iptables/sync.js';
import { clusterIP, makeService, makeSlice, port } from '../proxy/fixtures.js';

const ruleset = (services: Service[], slices: EndpointSlice[]) =>
  buildIptablesRuleset({ nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', servicePorts: buildServicePorts(services), endpoints: buildEndpointsMap(slices, 'node1') });

const svc1 = makeService('ns1', 'svc1', clusterIP('172.30.0.41'), port(80, 'p80'));
const svc2 = makeService('ns2', 'svc2', clusterIP('172.30.0.42'), port(80, 'p80'));
const slice1 = makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }]);
const slice2 = (ip: string) => makeSlice('ns2', 'svc2', [{ name: 'p80', port: 80 }], [{ ip }]);
const declared = (input: string) => [...input.matchAll(/^:(\S+) /gm)].map((m) => m[1]);

describe('iptables sync plans', () => {
  it('a full sync writes every chain and deletes kernel service chains nobody wants', () => {
    const plan = planFullSync(ruleset([svc1], [slice1]), ['KUBE-SERVICES', 'KUBE-SVC-OLDOLDOLDOLDOLD1', 'KUBE-SEP-OLDOLDOLDOLDOLD2', 'CUSTOM']);
    assert.deepEqual(plan.stale, ['KUBE-SVC-OLDOLDOLDOLDOLD1', 'KUBE-SEP-OLDOLDOLDOLDOLD2']);
    assert.match(plan.input, /^:KUBE-SVC-XPGD46QRK7WJZT7O - \[0:0\]$/m);
    assert.match(plan.input, /^-X KUBE-SVC-OLDOLDOLDOLDOLD1$/m);
    assert.doesNotMatch(plan.input, /CUSTOM/);
  });

  it('a partial sync rewrites only the changed service port, keeps the shared chains whole, deletes stale SEPs', () => {
    const before = ruleset([svc1, svc2], [slice1, slice2('10.180.0.2')]);
    const after = ruleset([svc1, svc2], [slice1, slice2('10.180.0.3')]);
    const plan = planPartialSync(after, before);
    assert.deepEqual(plan.written, ['ns2/svc2/tcp/p80']);
    const chains = declared(plan.input);
    assert.ok(chains.includes('KUBE-SERVICES') && chains.includes('KUBE-NODEPORTS'));
    assert.ok(!chains.includes('KUBE-SVC-XPGD46QRK7WJZT7O'), 'unchanged svc1 chain rewritten');
    // Both services' jumps stay in the flushed-and-rewritten KUBE-SERVICES.
    assert.match(plan.input, /-A KUBE-SERVICES .*-d 172\.30\.0\.41 .*-j KUBE-SVC-XPGD46QRK7WJZT7O/);
    assert.equal(plan.stale.length, 1);
    assert.match(plan.stale[0], /^KUBE-SEP-/);
    assert.match(plan.input, new RegExp(`^-X ${plan.stale[0]}$`, 'm'));
  });

  it('nothing changed: no service chain is written', () => {
    const r = ruleset([svc1], [slice1]);
    const plan = planPartialSync(ruleset([svc1], [slice1]), r);
    assert.deepEqual(plan.written, []);
    assert.deepEqual(plan.stale, []);
    assert.ok(!declared(plan.input).some((c) => /^KUBE-(SVC|SEP)-/.test(c)));
  });
});

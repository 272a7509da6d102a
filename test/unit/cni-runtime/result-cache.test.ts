/**
 * The result cache's encoding, as Go's encoding/json writes libcni's cachedInfo: field order,
 * omitempty fields, map keys sorted; results re-encoded through the typed result (dns always,
 * empty optional fields gone). Byte-level agreement with the real libcni is checked in
 * test/integration/cni-runtime-libcni/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CacheEntry, encodeCache, libcniResult, sortKeysDeep } from '../../../src/cni/result-cache.js';

const entry = (over: Partial<CacheEntry> = {}): CacheEntry => ({
  kind: 'cniCacheV1', containerId: 'c1', config: 'e30=', ifName: 'eth0', networkName: 'net', netns: '/run/netns/x',
  cniArgs: [['IgnoreUnknown', '1']], capabilityArgs: { portMappings: [{ protocol: 'tcp', hostPort: 80, containerPort: 8080 }] },
  result: { cniVersion: '1.0.0', dns: {} }, ...over,
});

describe('result cache encoding', () => {
  it('writes cachedInfo fields in Go struct order, capability args with sorted keys', () => {
    assert.equal(encodeCache(entry()),
      '{"kind":"cniCacheV1","containerId":"c1","config":"e30=","ifName":"eth0","networkName":"net","netns":"/run/netns/x",' +
      '"cniArgs":[["IgnoreUnknown","1"]],"capabilityArgs":{"portMappings":[{"containerPort":8080,"hostPort":80,"protocol":"tcp"}]},' +
      '"result":{"cniVersion":"1.0.0","dns":{}}}');
  });

  it('omits netns, cniArgs and capabilityArgs when empty (omitempty)', () => {
    const text = encodeCache(entry({ netns: '', cniArgs: [], capabilityArgs: {} }));
    assert.equal(text, '{"kind":"cniCacheV1","containerId":"c1","config":"e30=","ifName":"eth0","networkName":"net","result":{"cniVersion":"1.0.0","dns":{}}}');
  });

  it('re-encodes a result as the typed result does: dns always, empty fields gone, keys sorted', () => {
    const r = libcniResult({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '' }],
      ips: [{ interface: 0, address: '10.0.0.2/24', gateway: '' }],
      routes: [],
    });
    assert.equal(JSON.stringify(r), '{"cniVersion":"1.0.0","dns":{},"interfaces":[{"mac":"aa:bb:cc:dd:ee:ff","name":"eth0"}],"ips":[{"address":"10.0.0.2/24","interface":0}]}');
  });

  it('keeps a dns the plugin gave, sorted', () => {
    const r = libcniResult({ cniVersion: '1.1.0', dns: { search: ['a'], nameservers: ['10.96.0.10'] } });
    assert.equal(JSON.stringify(r), '{"cniVersion":"1.1.0","dns":{"nameservers":["10.96.0.10"],"search":["a"]}}');
  });

  it('sorts keys at every depth and keeps array order', () => {
    assert.equal(JSON.stringify(sortKeysDeep({ b: [{ z: 1, a: 2 }, 3], a: null })), '{"a":null,"b":[{"a":2,"z":1},3]}');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  affinitySetName, base32, endpointChainName, hashAndTruncate, isServiceChainName, portProtoHash, serviceChainName,
} from '../../../src/proxy/chain-names.js';

const sp = (ns: string, name: string, portName = 'p80', protocol = 'tcp') => ({ namespace: ns, name, portName, protocol });

test('base32 matches RFC 4648 test vectors', () => {
  const cases: [string, string][] = [['', ''], ['f', 'MY======'], ['fo', 'MZXQ===='], ['foo', 'MZXW6==='], ['foob', 'MZXW6YQ='], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI======']];
  for (const [input, want] of cases) assert.equal(base32(Buffer.from(input)), want, input);
});

test('nftables chain names match the service-proxy note check vectors', () => {
  assert.equal(serviceChainName(sp('ns1', 'svc1')), 'service-ULMVA6XW-ns1/svc1/tcp/p80');
  assert.equal(endpointChainName(sp('ns1', 'svc1'), '10.180.0.1', 80), 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
  assert.equal(serviceChainName(sp('ns5', 'svc5')), 'service-HVFWP5L3-ns5/svc5/tcp/p80');
  assert.equal(endpointChainName(sp('ns5', 'svc5'), '10.180.0.3', 80), 'endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80');
  assert.equal(affinitySetName(sp('ns5', 'svc5'), '10.180.0.3', 80), 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80');
  assert.equal(serviceChainName(sp('ns2', 'svc2')), 'service-42NFTM6N-ns2/svc2/tcp/p80');
  assert.equal(serviceChainName(sp('ns4', 'svc4')), 'service-LAUZTJTB-ns4/svc4/tcp/p80');
  assert.equal(endpointChainName(sp('ns4', 'svc4'), '10.180.0.4', 80), 'endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80');
  assert.equal(endpointChainName(sp('ns4', 'svc4'), '10.180.0.5', 80), 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80');
  assert.equal(serviceChainName(sp('ns1', 'svc1', '')), 'service-6KJ5P52A-ns1/svc1/tcp/');
  assert.equal(endpointChainName(sp('ns1', 'svc1'), 'fd00:10:180::1', 80), 'endpoint-ZVRFLKHO-ns1/svc1/tcp/p80__fd00.10.180..1/80');
});

test('iptables hashes match the note check vectors', () => {
  assert.equal(portProtoHash('ns1/svc1:p80tcp'), 'XPGD46QRK7WJZT7O');
  assert.equal(portProtoHash('ns1/svc1:p80tcp10.180.0.1:80'), 'SXIVWICOYRO3J4NJ');
  assert.equal(portProtoHash('ns5/svc5:p80tcp'), 'NUKIZ6OKUXPJNT4C');
  assert.equal(portProtoHash('ns5/svc5:p80tcp10.180.0.3:80'), 'I77PXRDZVX7PMWMN');
  assert.equal(portProtoHash('kube-system/kube-dns:dnsudp'), 'TCOU7JCQXEZGVUNU');
  assert.equal(portProtoHash('default/kubernetes:httpstcp'), 'NPX46M4PTMTKRN6Y');
  assert.equal(portProtoHash('ns1/svc1tcp'), 'AQI2S6QIMU7PVVRP');
  assert.equal(portProtoHash('ns1/svc1:p80tcp[fd00:10:180::1]:80'), 'OGYCNMB4EMRUSJ6N');
});

test('long names are truncated to 240 characters with a marker', () => {
  const long = 'x'.repeat(300);
  const out = hashAndTruncate(long);
  assert.equal(out.length, 240);
  assert.ok(out.endsWith('...'));
  assert.notEqual(hashAndTruncate(long + 'a'), hashAndTruncate(long + 'b'), 'the hash keeps truncated names distinct');
});

test('service chains are told apart from static chains by the slash', () => {
  assert.ok(isServiceChainName('service-ULMVA6XW-ns1/svc1/tcp/p80'));
  assert.ok(!isServiceChainName('services'));
  assert.ok(!isServiceChainName('mark-for-masquerade'));
});

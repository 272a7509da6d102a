import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { hostsFile, resolvConf } from '../../../src/agent/etc-files.js';

const dns = { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 1.1.1.1\nsearch example.com\n' };
const pod = (ns: string, spec: Pod['spec'] = { containers: [] }): Pod => ({ metadata: { name: 'web-1', namespace: ns }, spec });

describe('resolv.conf', () => {
  it('ClusterFirst, exactly as kubelet writes it', () => {
    assert.equal(resolvConf(pod('default'), dns), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });
  it('uses the pod namespace in the first search domain', () => {
    assert.match(resolvConf(pod('kube-system'), dns), /^search kube-system\.svc\.cluster\.local /);
  });
  it('merges dnsConfig: extra servers and searches appended, options by name', () => {
    const p = pod('default', { containers: [], dnsConfig: { nameservers: ['1.2.3.4'], searches: ['corp'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } });
    assert.equal(resolvConf(p, dns), 'search default.svc.cluster.local svc.cluster.local cluster.local corp\nnameserver 10.96.0.10\nnameserver 1.2.3.4\noptions ndots:2 edns0\n');
  });
  it('None takes only dnsConfig; Default takes the host file', () => {
    const none = pod('default', { containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'] } });
    assert.equal(resolvConf(none, dns), 'nameserver 9.9.9.9\n');
    assert.equal(resolvConf(pod('default', { containers: [], dnsPolicy: 'Default' }), dns), 'search example.com\nnameserver 1.1.1.1\n');
  });
  it('names the field of a bad dnsPolicy', () => {
    assert.throws(() => resolvConf(pod('default', { containers: [], dnsPolicy: 'Bogus' }), dns), /spec\.dnsPolicy/);
  });
});

describe('hosts', () => {
  const header =
    '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  it('kubelet header, localhost lines and the pod entry', () => {
    assert.equal(hostsFile(pod('default'), '10.244.0.5', 'cluster.local'), header + '10.244.0.5\tweb-1\n');
  });
  it('hostname.subdomain FQDN and host aliases', () => {
    const p = pod('ns1', { containers: [], hostname: 'h', subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] });
    assert.equal(
      hostsFile(p, '10.244.0.5', 'cluster.local'),
      header + '10.244.0.5\th.sub.ns1.svc.cluster.local\th\n\n# Entries added by HostAliases.\n1.2.3.4\ta\tb\n',
    );
  });
});

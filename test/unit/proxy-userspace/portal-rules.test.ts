import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servicePortsOf } from '../../../src/proxy/service-port.js';
import { renderPortalCleanup, renderPortalRules } from '../../../src/proxy/userspace/portal-rules.js';
import type { Service } from '../../../src/api/types.js';

const svc: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
  spec: {
    type: 'NodePort', clusterIP: '10.96.0.50', externalIPs: ['172.18.0.100'],
    ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }],
  },
};

test('portals: service IPs and node ports redirect to the proxy port, from pods and from the node', () => {
  const [http, dns] = servicePortsOf(svc);
  const text = renderPortalRules([{ sp: http, proxyPort: 40001 }, { sp: dns, proxyPort: 40002 }]);
  assert.equal(text, `table ip kube-proxy-userspace
delete table ip kube-proxy-userspace
table ip kube-proxy-userspace {
  set canary { type ipv4_addr; }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump KUBE-PORTALS-CONTAINER
    fib daddr type local jump KUBE-NODEPORT-CONTAINER
  }
  chain output {
    type nat hook output priority -100; policy accept;
    jump KUBE-PORTALS-HOST
    fib daddr type local jump KUBE-NODEPORT-HOST
  }
  chain KUBE-PORTALS-CONTAINER {
    ip daddr 10.96.0.50 tcp dport 80 redirect to :40001 comment "default/web:http"
    ip daddr 172.18.0.100 tcp dport 80 redirect to :40001 comment "default/web:http"
    ip daddr 10.96.0.50 udp dport 53 redirect to :40002 comment "default/web:dns"
    ip daddr 172.18.0.100 udp dport 53 redirect to :40002 comment "default/web:dns"
  }
  chain KUBE-PORTALS-HOST {
    ip daddr 10.96.0.50 tcp dport 80 redirect to :40001 comment "default/web:http"
    ip daddr 172.18.0.100 tcp dport 80 redirect to :40001 comment "default/web:http"
    ip daddr 10.96.0.50 udp dport 53 redirect to :40002 comment "default/web:dns"
    ip daddr 172.18.0.100 udp dport 53 redirect to :40002 comment "default/web:dns"
  }
  chain KUBE-NODEPORT-CONTAINER {
    tcp dport 30080 redirect to :40001 comment "default/web:http"
  }
  chain KUBE-NODEPORT-HOST {
    tcp dport 30080 redirect to :40001 comment "default/web:http"
  }
}
`);
});

test('no portals still renders the base chains (empty service chains)', () => {
  const text = renderPortalRules([]);
  assert.match(text, /chain KUBE-PORTALS-CONTAINER \{\n  \}/);
  assert.doesNotMatch(text, /redirect/);
});

test('cleanup deletes the table whether or not it exists', () => {
  assert.equal(renderPortalCleanup(), 'table ip kube-proxy-userspace\ndelete table ip kube-proxy-userspace\n');
});

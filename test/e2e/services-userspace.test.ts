/**
 * End to end: the Service matrix (test/helpers/service-matrix.ts) in userspace mode
 * (`podnet up --proxy-mode userspace`), with the expectations of upstream's userspace proxier
 * (kubernetes v1.25 pkg/proxy/userspace, read for this): the proxy opens its own connection to
 * the endpoint, so servers see the node, never the client; it read no externalTrafficPolicy,
 * internalTrafficPolicy or loadBalancerSourceRanges (every node serves every client) and only
 * Endpoints' ready addresses (no terminating fallback); a Service without endpoints is accepted
 * and closed; SCTP was never proxied ("unknown protocol"); node ports answer on every local
 * address, 127.0.0.1 included (its host rule matched `--dst-type LOCAL`). Plus what only this
 * mode has: the portal table and one socket process per node holding the node ports.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceMatrix, type ModeExpectations } from '../helpers/service-matrix.js';
import { NODE_IPS, succeeds } from '../helpers/service-matrix-cluster.js';

const USERSPACE_EXPECTATIONS: ModeExpectations = {
  podSource: 'node',
  externalTrafficPolicyLocal: false,
  internalTrafficPolicyLocal: false,
  loadBalancerSourceRanges: false,
  terminatingFallback: false,
  noEndpoints: 'closed',
  sctp: false,
  localhostNodePorts: true,
};

serviceMatrix('userspace', USERSPACE_EXPECTATIONS, (c) => {
  it('programs the portal table on every node, with neither the nftables nor the iptables proxy rules', () => {
    const np = c.nodePort('echo-np');
    for (const node of ['node1', 'node2']) {
      const table = c.onHost(node, 'nft list table ip kube-proxy-userspace');
      assert.equal(table.status, 0, `${node} should hold table ip kube-proxy-userspace: ${table.stderr}`);
      assert.match(table.stdout, new RegExp(`ip daddr ${c.clusterIP('echo').replace(/\./g, '\\.')} tcp dport 80 redirect to :\\d+ comment "default/echo:http"`));
      assert.match(table.stdout, new RegExp(`tcp dport ${np} redirect to :\\d+ comment "default/echo-np"`));
      assert.doesNotMatch(c.onHost(node, 'nft list tables').stdout, /table ip kube-proxy\n/, `${node}: no nftables-mode table`);
      assert.doesNotMatch(c.onHost(node, 'iptables-save -t nat').stdout, /KUBE-SERVICES/, `${node}: no iptables-mode chains`);
    }
  });

  it('one socket process per node listens on the proxy ports and holds each node port itself', () => {
    const np = c.nodePort('echo-np');
    for (const node of ['node1', 'node2']) {
      const listeners = c.onHost(node, 'ss -Hltnp').stdout;
      const holder = new RegExp(`0\\.0\\.0\\.0:${np}\\b.*pid=(\\d+)`).exec(listeners);
      assert.ok(holder, `${node}: node port ${np} should be held open:\n${listeners}`);
      const cmdline = c.onHost(node, `tr '\\0' ' ' < /proc/${holder[1]}/cmdline`).stdout;
      assert.match(cmdline, /proxy\/userspace\/main\.js/, `${node}: the holder should be the socket process`);
    }
  });

  it('the SCTP Service is logged once per node, however many syncs ran, and skipped', () => {
    for (const node of ['node1', 'node2']) {
      const log = readFileSync(join(process.env.PODNET_STATE_ROOT ?? '/var/lib/podnet', c.name, 'logs', `agent-${node}.log`), 'utf8');
      const lines = log.split('\n').filter((l) => l.includes('Not proxying "default/echo-sctp"'));
      assert.deepEqual(lines, [`userspace proxy ${node}: Not proxying "default/echo-sctp": protocol SCTP is not supported in userspace mode`]);
    }
  });

  it('a UDP NodePort answers the outside host on every node, from the node port', async () => {
    c.kubectl.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: echo-udp-np}
spec: {type: NodePort, selector: {app: echo}, ports: [{port: 5353, protocol: UDP, targetPort: udp}]}
`);
    const port = c.nodePort('echo-udp-np');
    const echo = c.podNames('app=echo');
    for (const nodeIP of Object.values(NODE_IPS)) {
      // The reply must come from nodeIP:nodePort (conntrack undoes the redirect), or a connected client would drop it.
      const py = `python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);s.connect(('${nodeIP}',${port}));s.send(b'hostname');print(s.recv(200).decode())"`;
      const out = await succeeds(`UDP NodePort on ${nodeIP}`, () => c.onHost('outside', py));
      assert.ok(echo.includes(out.trim()), `UDP via ${nodeIP}:${port} answered ${out}, expected one of ${echo}`);
    }
  });
});

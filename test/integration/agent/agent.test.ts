/**
 * The node agent end to end against the real apiserver (in-process, memory store): node
 * registration, the CNI config once the node has a pod CIDR, the seed-002 pod running with two
 * containers on one localhost, an unknown image, crash-loop back-off, a finished pod, adoption
 * of running containers across an agent restart, deletion and orphan cleanup leaving nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Event, Node, Pod } from '../../../src/api/types.js';
import { Client, isNotFound } from '../../../src/client/client.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { startAgent, type Agent, type AgentOptions } from '../../../src/agent/index.js';
import { REPO, alive, destroyTestNode, eventually, inNetns, leftovers, makeTestNode, recordedPids, type SeenProcess, type TestNode } from '../../helpers/agent-node.js';

const HTTPD = '<html><body><h1>It works!</h1></body></html>\n';
const podSpec = (name: string, containers: Pod['spec'] extends infer S ? S extends { containers: infer C } ? C : never : never, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: 'node1', containers, ...extra },
});

describe('node agent against the real apiserver', { timeout: 180_000 }, () => {
  let node: TestNode;
  let store: Store;
  let api: ApiServer;
  let client: Client;
  let agent: Agent | undefined;
  let opts: AgentOptions;
  const pids: SeenProcess[] = [];

  const getPod = (name: string) => client.get<Pod>('pods', 'default', name);
  const eventsOf = async (name: string) =>
    (await client.list<Event>('events', 'default')).items.filter((e) => e.involvedObject.name === name).map((e) => `${e.type} ${e.reason} ${e.message}`);
  const sandboxOf = (pod: Pod) => JSON.parse(readFileSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'sandbox.json'), 'utf8')) as { netns: string; podIP: string; id: string };

  before(async () => {
    node = makeTestNode();
    store = await openStore({ kind: 'memory' });
    api = await startApiServer({ store, port: 0 });
    client = new Client({ server: api.url, userAgent: 'agent-test' });
    opts = { client, clusterName: node.cluster, nodeName: 'node1', nodeNetns: node.netns, nodeIP: '172.18.0.11', nodeRoot: node.nodeRoot, repoRoot: REPO, token: 'test-token' };
    agent = await startAgent(opts);
  });

  after(async () => {
    await agent?.stop();
    pids.push(...recordedPids(node.nodeRoot));
    destroyTestNode(node, pids);
    await api?.close();
    await store?.close();
    client?.close();
    assert.deepEqual(leftovers(node, pids), []);
  });

  it('registers the node as Ready with its labels and addresses', async () => {
    const n = await client.get<Node>('nodes', undefined, 'node1');
    assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'node1');
    assert.deepEqual(n.status?.addresses?.[0], { type: 'InternalIP', address: '172.18.0.11' });
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['True', 'KubeletReady']);
    assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
  });

  it('writes the CNI conflist once the node has a pod CIDR', async () => {
    await client.patch<Node>('nodes', undefined, 'node1', { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    const file = join(node.nodeRoot, 'cni', 'net.d', '10-podnet.conflist');
    const conf = await eventually(() => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')), 10_000, 'conflist');
    assert.equal(conf.plugins[0].ipam.ranges[0][0].subnet, '10.244.0.0/24');
    assert.equal(conf.plugins[0].ipam.dataDir, join(node.nodeRoot, 'cni', 'networks'));
  });

  it('runs the seed-002 pod: Running, Ready, IP from the CIDR, both containers on one localhost', async () => {
    await client.create('pods', 'default', podSpec('web', [{ name: 'httpd-test', image: 'httpd' }, { name: 'bootcamp-test', image: 'bootcamp:v1' }]));
    const pod = await eventually(async () => {
      const p = await getPod('web');
      return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    }, 30_000, 'web Running and Ready');
    assert.match(pod.status?.podIP ?? '', /^10\.244\.0\.\d+$/);
    assert.equal(pod.status?.hostIP, '172.18.0.11');
    assert.deepEqual(pod.status?.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount, !!c.state?.running]), [
      ['httpd-test', true, 0, true],
      ['bootcamp-test', true, 0, true],
    ]);
    assert.equal(pod.status?.containerStatuses?.[0].image, 'docker.io/library/httpd:latest');
    const sb = sandboxOf(pod);
    assert.equal(sb.podIP, pod.status?.podIP);
    const inPod = (port: number) => eventually(() => inNetns(sb.netns, ['curl', '-s', `localhost:${port}`]).stdout, 15_000, `localhost:${port}`);
    assert.equal(await inPod(80), HTTPD);
    assert.equal(await inPod(8080), 'Hello Kubernetes bootcamp! | Running on: web | v=1\n');
    assert.equal(inNetns(node.netns, ['curl', '-s', '--max-time', '5', `http://${sb.podIP}:8080/`]).stdout, 'Hello Kubernetes bootcamp! | Running on: web | v=1\n');
    const log = readFileSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'containers', 'bootcamp-test', '0.log'), 'utf8');
    assert.match(log, /^\S+Z stdout F Kubernetes Bootcamp App Started At: /m);
    const events = await eventually(async () => {
      const evs = await eventsOf('web');
      return evs.length >= 6 ? evs : undefined;
    }, 5000, 'events of web');
    for (const want of ['Normal Pulled Container image "httpd" already present on machine', 'Normal Created Created container httpd-test', 'Normal Started Started container bootcamp-test']) {
      assert.ok(events.includes(want), `missing event "${want}" in ${JSON.stringify(events)}`);
    }
  });

  it('reports an unknown image as ErrImagePull, then ImagePullBackOff', async () => {
    await client.create('pods', 'default', podSpec('bad', [{ name: 'c', image: 'nosuch:1' }]));
    const first = await eventually(async () => (await getPod('bad')).status?.containerStatuses?.[0]?.state?.waiting, 15_000, 'waiting');
    assert.equal(first.reason, 'ErrImagePull');
    assert.equal(first.message, 'Failed to pull image "nosuch:1": podnet has no built-in image "nosuch" and no registry is reachable');
    const later = await eventually(async () => {
      const w = (await getPod('bad')).status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'ImagePullBackOff' ? w : undefined;
    }, 15_000, 'ImagePullBackOff');
    assert.equal(later.message, 'Back-off pulling image "nosuch:1"');
    const events = await eventsOf('bad');
    assert.ok(events.includes('Warning Failed Failed to pull image "nosuch:1": podnet has no built-in image "nosuch" and no registry is reachable'), JSON.stringify(events));
    assert.ok(events.includes('Normal BackOff Back-off pulling image "nosuch:1"'), JSON.stringify(events));
    assert.equal((await getPod('bad')).status?.phase, 'Pending');
  });

  it('restarts a crashing container with back-off (CrashLoopBackOff, restartCount, lastState)', async () => {
    await client.create('pods', 'default', podSpec('crash', [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo boom; exit 3'] }]));
    const cs = await eventually(async () => {
      const s = (await getPod('crash')).status?.containerStatuses?.[0];
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' ? s : undefined;
    }, 20_000, 'CrashLoopBackOff');
    assert.ok((cs.restartCount ?? 0) >= 1);
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.match(cs.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=c pod=crash_default\(/);
  });

  it('finishes a restartPolicy Never pod as Succeeded and releases its sandbox', async () => {
    await client.create('pods', 'default', podSpec('job', [{ name: 'c', image: 'busybox', command: ['true'] }], { restartPolicy: 'Never' }));
    const pod = await eventually(async () => {
      const p = await getPod('job');
      return p.status?.phase === 'Succeeded' ? p : undefined;
    }, 20_000, 'Succeeded');
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.reason, 'Completed');
    await eventually(() => !existsSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'sandbox.json')), 10_000, 'sandbox removed');
  });

  it('fails a pod past its activeDeadlineSeconds (DeadlineExceeded) and releases its sandbox', async () => {
    await client.create('pods', 'default', podSpec('deadline', [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], { activeDeadlineSeconds: 2, terminationGracePeriodSeconds: 1 }));
    const pod = await eventually(async () => {
      const p = await getPod('deadline');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 20_000, 'deadline Failed');
    assert.equal(pod.status?.reason, 'DeadlineExceeded');
    await eventually(() => !existsSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'sandbox.json')), 10_000, 'sandbox removed');
    pids.push(...recordedPids(node.nodeRoot));
    await client.delete('pods', 'default', 'deadline', { gracePeriodSeconds: 0 });
  });

  it('runs init containers in order before the app containers', async () => {
    await client.create('pods', 'default', podSpec('inits', [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }], {
      initContainers: [
        { name: 'first', image: 'busybox', command: ['sh', '-c', 'sleep 1'] },
        { name: 'second', image: 'busybox', command: ['true'] },
      ],
    }));
    const pod = await eventually(async () => {
      const p = await getPod('inits');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 20_000, 'inits Running');
    const inits = pod.status?.initContainerStatuses ?? [];
    assert.deepEqual(inits.map((c) => [c.name, c.state?.terminated?.reason]), [['first', 'Completed'], ['second', 'Completed']]);
    const first = Date.parse(inits[0].state!.terminated!.finishedAt!);
    const app = Date.parse(pod.status!.containerStatuses![0].state!.running!.startedAt!);
    assert.ok(app >= first, 'the app container started after the init containers finished');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');

    await client.create('pods', 'default', podSpec('initfail', [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }], {
      restartPolicy: 'Never',
      initContainers: [{ name: 'bad', image: 'busybox', command: ['sh', '-c', 'exit 7'] }],
    }));
    const failed = await eventually(async () => {
      const p = await getPod('initfail');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 20_000, 'initfail Failed');
    assert.equal(failed.status?.initContainerStatuses?.[0].state?.terminated?.exitCode, 7);
    assert.equal(failed.status?.containerStatuses?.[0].state?.waiting?.reason, 'PodInitializing');
    pids.push(...recordedPids(node.nodeRoot));
    await client.delete('pods', 'default', 'inits', { gracePeriodSeconds: 0 });
    await client.delete('pods', 'default', 'initfail', { gracePeriodSeconds: 0 });
  });

  it('mounts configMap, secret, downwardAPI and emptyDir volumes into the containers only', async () => {
    const mnt = `/tmp/${node.cluster}-mnt`;
    await client.create('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'index.html': 'hello from configmap\n' } });
    await client.create('secrets', 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { pw: Buffer.from('hunter2').toString('base64') } });
    await client.create('pods', 'default', podSpec('vols', [
      {
        name: 'writer', image: 'busybox',
        command: ['sh', '-c', `cat ${mnt}/cfg/index.html ${mnt}/sec/pw; echo; cat ${mnt}/info/name; echo; echo shared > ${mnt}/scratch/f; exec sleep 3600`],
        volumeMounts: [{ name: 'cfg', mountPath: `${mnt}/cfg` }, { name: 'sec', mountPath: `${mnt}/sec` }, { name: 'info', mountPath: `${mnt}/info` }, { name: 'scratch', mountPath: `${mnt}/scratch` }],
      },
      { name: 'reader', image: 'busybox', command: ['sh', '-c', `sleep 1; cat ${mnt}/s2/f; exec sleep 3600`], volumeMounts: [{ name: 'scratch', mountPath: `${mnt}/s2` }] },
    ], {
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'sec', secret: { secretName: 'sec' } },
        { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        { name: 'scratch', emptyDir: {} },
      ],
    }));
    try {
      const pod = await eventually(async () => {
        const p = await getPod('vols');
        return p.status?.phase === 'Running' ? p : undefined;
      }, 20_000, 'vols Running');
      const logOf = (c: string) => readFileSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'containers', c, '0.log'), 'utf8');
      const writer = await eventually(() => (logOf('writer').includes('vols') ? logOf('writer') : ''), 10_000, 'writer log');
      assert.deepEqual(writer.split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' ')), ['hello from configmap', 'hunter2', 'vols']);
      assert.match(await eventually(() => logOf('reader'), 10_000, 'reader log'), / stdout F shared$/m);
      // The binds live in the containers' own mount namespaces: the host's mountpoints stay empty.
      assert.deepEqual(readdirSync(`${mnt}/cfg`), []);
      pids.push(...recordedPids(node.nodeRoot));
      await client.delete('pods', 'default', 'vols', { gracePeriodSeconds: 0 });
      await eventually(() => !existsSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!)), 15_000, 'vols removed');
    } finally {
      // The mountpoints the containers created on the host (empty) go with the test.
      rmSync(mnt, { recursive: true, force: true });
    }
    assert.equal(existsSync(mnt), false);
  });

  it('runs a hostNetwork pod in the node namespace with the node IP', async () => {
    execFileSync('ip', ['-n', node.netns, 'addr', 'add', '172.18.0.11/32', 'dev', 'lo']);
    await client.create('pods', 'default', podSpec('hostnet', [
      { name: 'web', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', '--http-port=18080', '--udp-port=-1'] },
    ], { hostNetwork: true }));
    const pod = await eventually(async () => {
      const p = await getPod('hostnet');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 20_000, 'hostnet Running');
    assert.equal(pod.status?.podIP, '172.18.0.11');
    assert.equal(sandboxOf(pod).netns, node.netns);
    assert.equal(await eventually(() => inNetns(node.netns, ['curl', '-s', 'http://172.18.0.11:18080/hostname']).stdout, 10_000, 'netexec on the node'), 'node1');
    pids.push(...recordedPids(node.nodeRoot));
    await client.delete('pods', 'default', 'hostnet');
    await eventually(async () => (await client.get('pods', 'default', 'hostnet').then(() => false, (e) => isNotFound(e))), 30_000, 'hostnet removed');
    assert.ok(existsSync(`/run/netns/${node.netns}`), 'the node netns survives a hostNetwork pod');
  });

  it('runs readiness and liveness probes (httpGet, tcpSocket, exec)', async () => {
    await client.create('pods', 'default', podSpec('probed', [
      {
        name: 'web', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', '--http-port=8080'], ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
      },
      { name: 'closed', image: 'busybox', command: ['sleep', '3600'], readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 1 } },
      { name: 'sick', image: 'busybox', command: ['sleep', '3600'], livenessProbe: { exec: { command: ['sh', '-c', 'exit 1'] }, periodSeconds: 1, failureThreshold: 1 } },
    ], { terminationGracePeriodSeconds: 1 }));
    const pod = await eventually(async () => {
      const p = await getPod('probed');
      const st = Object.fromEntries((p.status?.containerStatuses ?? []).map((c) => [c.name, c]));
      return st.web?.ready === true && (st.sick?.restartCount ?? 0) >= 1 ? p : undefined;
    }, 40_000, 'web ready and sick restarted');
    const st = Object.fromEntries((pod.status?.containerStatuses ?? []).map((c) => [c.name, c]));
    assert.equal(st.closed.ready, false);
    assert.equal(st.closed.started, true);
    assert.ok(st.closed.state?.running);
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.match(ready?.message ?? '', /\[closed( sick)?\]/);
    const events = await eventsOf('probed');
    assert.ok(events.some((e) => e.startsWith('Warning Unhealthy Readiness probe failed: dial tcp')), JSON.stringify(events));
    assert.ok(events.some((e) => e.startsWith('Normal Killing Container sick failed liveness probe, will be restarted')), JSON.stringify(events));
    pids.push(...recordedPids(node.nodeRoot));
    await client.delete('pods', 'default', 'probed', { gracePeriodSeconds: 0 });
  });

  it('adopts running containers after an agent restart (same pids)', async () => {
    const pod = await getPod('web');
    const pidFile = (c: string) => join(node.nodeRoot, 'pods', pod.metadata!.uid!, 'containers', c, 'pid');
    const before = ['httpd-test', 'bootcamp-test'].map((c) => readFileSync(pidFile(c), 'utf8'));
    pids.push(...recordedPids(node.nodeRoot));
    await agent!.stop();
    agent = await startAgent(opts);
    await new Promise((r) => setTimeout(r, 3000));
    const after = ['httpd-test', 'bootcamp-test'].map((c) => readFileSync(pidFile(c), 'utf8'));
    assert.deepEqual(after, before);
    const p = await getPod('web');
    assert.equal(p.status?.phase, 'Running');
    assert.deepEqual(p.status?.containerStatuses?.map((c) => c.restartCount), [0, 0]);
    assert.equal(inNetns(sandboxOf(p).netns, ['curl', '-s', 'localhost:80']).stdout, HTTPD);
  });

  it('rebuilds a sandbox whose netns disappeared, restarting the containers in it', async () => {
    const pod = await getPod('web');
    const old = sandboxOf(pod);
    pids.push(...recordedPids(node.nodeRoot));
    execFileSync('ip', ['netns', 'del', old.netns]);
    const rebuilt = await eventually(async () => {
      const p = await getPod('web');
      const ok = p.status?.phase === 'Running' && p.status.podIP !== old.podIP && p.status.containerStatuses?.every((c) => c.restartCount === 1 && c.state?.running);
      return ok ? p : undefined;
    }, 30_000, 'sandbox rebuilt');
    const sb = sandboxOf(rebuilt);
    assert.notEqual(sb.id, old.id);
    pids.push(...recordedPids(node.nodeRoot));
    assert.equal(await eventually(() => inNetns(sb.netns, ['curl', '-s', 'localhost:80']).stdout, 15_000, 'httpd in new sandbox'), HTTPD);
    assert.equal(existsSync(join(node.nodeRoot, 'cni', 'networks', 'cbr0', old.podIP)), false, 'old IP released');
    assert.equal(existsSync(`/etc/netns/${old.netns}`), false);
  });

  it('refreshes the node heartbeat', async () => {
    const hb = async () => (await client.get<Node>('nodes', undefined, 'node1')).status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    const first = await hb();
    await eventually(async () => (await hb()) !== first, 15_000, 'a new lastHeartbeatTime');
  });

  it('deletes a pod: containers stopped, netns, /etc/netns and IP released, object removed', async () => {
    const pod = await getPod('web');
    const sb = sandboxOf(pod);
    const seen = recordedPids(node.nodeRoot);
    pids.push(...seen);
    await client.delete('pods', 'default', 'web');
    await eventually(async () => {
      try {
        await getPod('web');
        return false;
      } catch (e) {
        return isNotFound(e);
      }
    }, 40_000, 'pod object removed');
    assert.equal(existsSync(`/run/netns/${sb.netns}`), false);
    assert.equal(existsSync(`/etc/netns/${sb.netns}`), false);
    assert.equal(existsSync(join(node.nodeRoot, 'cni', 'networks', 'cbr0', sb.podIP)), false);
    assert.equal(existsSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!)), false);
    await eventually(() => seen.every((p) => !alive(p)), 5000, 'container processes gone');
  });

  it('cleans up a pod that vanished while the agent was down', async () => {
    await client.create('pods', 'default', podSpec('orphan', [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }]));
    const pod = await eventually(async () => {
      const p = await getPod('orphan');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 20_000, 'orphan Running');
    const sb = sandboxOf(pod);
    const seen = recordedPids(node.nodeRoot);
    pids.push(...seen);
    await agent!.stop();
    agent = undefined;
    await client.delete('pods', 'default', 'orphan', { gracePeriodSeconds: 0 });
    agent = await startAgent(opts);
    await eventually(() => !existsSync(`/run/netns/${sb.netns}`) && !existsSync(join(node.nodeRoot, 'pods', pod.metadata!.uid!)), 15_000, 'orphan cleanup');
    assert.equal(existsSync(join(node.nodeRoot, 'cni', 'networks', 'cbr0', sb.podIP)), false);
    await eventually(() => seen.every((p) => !alive(p)), 5000, 'orphan container processes gone');
  });
});

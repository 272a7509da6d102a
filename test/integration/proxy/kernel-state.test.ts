import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { netnsAdd, netnsDel, netnsList } from '../../../src/dataplane/netns.js';
import { nft } from '../../../src/dataplane/exec.js';
import { tableExists } from '../../../src/proxy/kernel-state.js';
import { uniqueName } from '../../helpers/cluster.js';

const prefix = `${uniqueName('k')}-`;
const ns = `${prefix}node`;

after(async () => {
  await netnsDel(ns).catch(() => undefined);
  assert.deepEqual(await netnsList(prefix), []);
});

it('tableExists sees exactly the ip kube-proxy table (by its firewall-ips map), not its namesakes', async () => {
  await netnsAdd(ns);
  assert.equal(await tableExists(ns), false);
  await nft(ns, ['add', 'table', 'ip', 'kube-proxy-userspace']);
  await nft(ns, ['add', 'table', 'inet', 'kube-proxy']);
  await nft(ns, ['add', 'map', 'inet', 'kube-proxy', 'firewall-ips', '{ type ipv4_addr . inet_proto . inet_service : verdict ; }']);
  assert.equal(await tableExists(ns), false, 'another name or family is not our table');
  await nft(ns, ['add', 'table', 'ip', 'kube-proxy']);
  await nft(ns, ['add', 'map', 'ip', 'kube-proxy', 'firewall-ips', '{ type ipv4_addr . inet_proto . inet_service : verdict ; }']);
  assert.equal(await tableExists(ns), true);
  await nft(ns, ['delete', 'table', 'ip', 'kube-proxy']);
  assert.equal(await tableExists(ns), false);
});

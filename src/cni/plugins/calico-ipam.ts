/**
 * calico-ipam: one IPv4 address per attachment from the node's affine /26 blocks
 * (src/calico/ipam), keyed by the handle `<network>.<containerID>` as Calico's k8s plugin
 * keys it. It talks to the API: through the serving process's client (the agent's CNI server),
 * or standalone through `kubernetes.kubeconfig` from the netconf.
 */
import { Client } from '../../client/client.js';
import { CalicoIpam, getHandle, listBlocks } from '../../calico/ipam/index.js';
import type { CmdArgs, CniPlugin, PluginContext } from '../skel.js';
import { validAttachments } from '../skel.js';
import { CniError, CniErrorCode, type CniResult, type NetConf } from '../types.js';
import { PLUGIN_VERSION_INFO } from '../version.js';
import { type CalicoConf, handleID, parseCalicoConf, workloadOf } from './calico-config.js';

/** Runs `fn` with the context's API client, or one made from the kubeconfig (closed after). */
async function withClient<T>(c: CalicoConf, ctx: PluginContext, fn: (client: Client) => Promise<T>): Promise<T> {
  if (ctx.apiClient) return fn(ctx.apiClient);
  if (!c.kubeconfig) {
    throw new CniError(CniErrorCode.InvalidNetworkConfig, 'kubernetes.kubeconfig: calico-ipam needs the API: set the kubeconfig path (or run it through a podnet agent)');
  }
  let client: Client;
  try {
    client = Client.fromKubeconfig(c.kubeconfig, 'calico-ipam');
  } catch (e) {
    throw new CniError(CniErrorCode.InvalidNetworkConfig, `kubernetes.kubeconfig: cannot use ${JSON.stringify(c.kubeconfig)}`, (e as Error).message);
  }
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

const ipamFor = (client: Client, c: CalicoConf): CalicoIpam => new CalicoIpam(client, { pools: c.pools, blockSize: c.blockSize });

/** What Calico keeps with an allocation (namespace, pod, node), for the controller's GC. */
function secondaryAttrs(c: CalicoConf, args: CmdArgs): Record<string, string> {
  const w = workloadOf(args);
  return { node: c.nodename, ...(w ? { namespace: w.namespace, pod: w.pod } : {}) };
}

async function add(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<CniResult> {
  const c = parseCalicoConf(conf, args);
  const handle = handleID(conf, args);
  return withClient(c, ctx, async (client) => {
    const ipam = ipamFor(client, c);
    // A repeated ADD for the same container gets the address it already holds (the handle is
    // written after the block, so without a handle there is nothing to find).
    const held = (await getHandle(client, handle)) ? await ipam.ipsByHandle(handle) : [];
    const ip = held[0] ?? (await ipam.autoAssign(c.nodename, handle, secondaryAttrs(c, args))).ip;
    return { cniVersion: conf.cniVersion, ips: [{ address: `${ip}/${c.blockSize}` }], dns: {} };
  });
}

/** GC: frees this node's allocations of this network whose container is not a valid attachment. */
async function gc(conf: NetConf, args: CmdArgs, ctx: PluginContext): Promise<void> {
  const c = parseCalicoConf(conf, args);
  const valid = new Set(validAttachments(conf).map((a) => `${conf.name}.${a.containerID}`));
  await withClient(c, ctx, async (client) => {
    const stale = new Set<string>();
    for (const b of await listBlocks(client)) {
      for (const a of b.spec!.attributes) {
        const h = a.handle_id ?? '';
        if (h.startsWith(`${conf.name}.`) && a.secondary?.node === c.nodename && !valid.has(h)) stale.add(h);
      }
    }
    for (const h of stale) await ipamFor(client, c).releaseByHandle(h, c.nodename);
  });
}

export const calicoIpam: CniPlugin = {
  type: 'calico-ipam',
  version: PLUGIN_VERSION_INFO,
  add,
  async del(conf, args, ctx) {
    const c = parseCalicoConf(conf, args);
    await withClient(c, ctx, (client) => ipamFor(client, c).releaseByHandle(handleID(conf, args), c.nodename));
  },
  async check(conf, args, ctx) {
    const c = parseCalicoConf(conf, args);
    const held = await withClient(c, ctx, (client) => ipamFor(client, c).ipsByHandle(handleID(conf, args)));
    if (held.length === 0) throw new CniError(CniErrorCode.Internal, `calico-ipam: no address held by handle ${JSON.stringify(handleID(conf, args))}`);
  },
  gc,
  async status(conf, args, ctx) {
    const c = parseCalicoConf(conf, args);
    await withClient(c, ctx, (client) => client.list('blockaffinities', undefined, { limit: 1 })).catch((e: unknown) => {
      if (e instanceof CniError) throw e;
      throw new CniError(CniErrorCode.PluginNotAvailable, 'calico-ipam: the API is not reachable', (e as Error).message);
    });
  },
};

/**
 * flannel's etcd subnet manager for one node, on etcd v3 (the `etcd3` client the store uses):
 * the network config is put if absent and otherwise checked; the node's lease (its podCIDR,
 * which node IPAM chose and host-local hands out) is acquired with a txn that fails when the key
 * exists, reused after a restart when it already holds our public IP, and renewed as flanneld
 * does: a new 24 h etcd lease and a put, once less than the renew margin is left. Peers' leases
 * are read from `subnets/`, and a watch on it tells the agent to sync.
 */
import { Etcd3, type Watcher } from 'etcd3';
import type { Lease } from './annotations.js';
import {
  checkNetworkConfig, leaseFromEtcd, renderLeaseAttrs, RENEW_MARGIN_SECONDS, subnetKey, SUBNET_TTL_SECONDS,
  type LeaseAttrs, type NetworkConfig,
} from './lease-attrs.js';

export interface EtcdSubnetOptions {
  endpoints: string[];
  /** flannel's --etcd-prefix, e.g. /podnet/<cluster>/coreos.com/network. */
  prefix: string;
  config: NetworkConfig;
  /** Default 24 h and 1 h (tests shorten them). */
  ttlSeconds?: number;
  renewMarginSeconds?: number;
}

/** flanneld's raceRetries: a lost create race is retried this often before giving up. */
const RACE_RETRIES = 10;

export class EtcdSubnetRegistry {
  private readonly client: Etcd3;
  private watcher: Watcher | undefined;
  /** When our etcd lease runs out (ms since epoch), as last granted or read. */
  private expiresAt = 0;
  private heldKey = '';

  constructor(private readonly opts: EtcdSubnetOptions) {
    // A deadline on unary calls (as the store's client): an unreachable etcd fails a sync, never hangs it.
    this.client = new Etcd3({
      hosts: opts.endpoints.map((e) => e.replace(/\/$/, '')),
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 10_000 }),
    });
  }

  private get ttl(): number {
    return this.opts.ttlSeconds ?? SUBNET_TTL_SECONDS;
  }

  key(rel: string): string {
    return `${this.opts.prefix}/${rel}`;
  }

  /**
   * Puts the network config when absent. flanneld only reads it (an administrator writes it);
   * here cluster.json is the administrator's word, so a config that differs (left by an earlier
   * cluster of the same name on this etcd) is replaced, and the reason returned for the log.
   */
  async ensureConfig(): Promise<string | undefined> {
    const key = this.key('config');
    const text = JSON.stringify(this.opts.config);
    const r = await this.client.if(key, 'Version', '==', 0).then(this.client.put(key).value(text)).else(this.client.get(key)).commit();
    const kv = r.succeeded ? undefined : r.responses[0]?.response_range?.kvs[0];
    if (!kv) return undefined;
    try {
      checkNetworkConfig(kv.value.toString(), this.opts.config, key);
      return undefined;
    } catch (e) {
      await this.client.if(key, 'Mod', '==', kv.mod_revision).then(this.client.put(key).value(text)).commit();
      return `replaced: ${(e as Error).message}`;
    }
  }

  /** Holds `subnet` for `attrs.PublicIP`: acquire, reuse, or renew when due; drops our other leases. */
  async acquire(subnet: string, attrs: LeaseAttrs): Promise<void> {
    const key = this.key(subnetKey(subnet));
    const value = renderLeaseAttrs(attrs);
    await this.dropOtherLeases(key, attrs.PublicIP);
    if (key !== this.heldKey) this.expiresAt = 0;
    this.heldKey = key;
    for (let i = 0; i < RACE_RETRIES; i++) {
      const kv = (await this.client.get(key).exec()).kvs[0];
      if (!kv) {
        if (await this.put(key, value, undefined)) return;
        continue;
      }
      const holder = leaseFromEtcd(key, kv.value.toString())?.publicIP;
      if (holder !== attrs.PublicIP) throw new Error(`flannel: Cannot acquire ${key}: held by ${holder ?? 'an unreadable lease'}, not ${attrs.PublicIP}`);
      // A restarted agent learns how long its lease has left, and reuses it until renewal is due.
      if (this.expiresAt === 0) this.expiresAt = await this.leaseExpiry(kv.lease);
      if (kv.value.toString() === value && !this.renewDue()) return;
      if (await this.put(key, value, kv.mod_revision)) return;
    }
    throw new Error(`flannel: Cannot acquire ${key}: lost the race ${RACE_RETRIES} times`);
  }

  /** Grants a fresh TTL lease and puts the key under it, if it is still at `modRevision` (or absent). */
  private async put(key: string, value: string, modRevision: string | undefined): Promise<boolean> {
    const grant = await this.client.leaseClient.leaseGrant({ TTL: this.ttl, ID: 0 });
    const cond = modRevision === undefined ? this.client.if(key, 'Version', '==', 0) : this.client.if(key, 'Mod', '==', modRevision);
    const r = await cond.then(this.client.put(key).value(value).lease(grant.ID)).commit();
    if (r.succeeded) {
      this.expiresAt = Date.now() + Number(grant.TTL) * 1000;
    }
    return r.succeeded;
  }

  private renewDue(): boolean {
    return Date.now() >= this.expiresAt - (this.opts.renewMarginSeconds ?? RENEW_MARGIN_SECONDS) * 1000;
  }

  /** Expiry of an etcd lease id; 0 ("now") for a key without a lease, so it is re-put under one. */
  private async leaseExpiry(id: string): Promise<number> {
    if (!id || id === '0') return 0;
    const r = await this.client.leaseClient.leaseTimeToLive({ ID: id, keys: false });
    return Number(r.TTL) > 0 ? Date.now() + Number(r.TTL) * 1000 : 0;
  }

  /** flannel deletes a lease of ours that no longer fits (here: the node's podCIDR changed). */
  private async dropOtherLeases(keep: string, publicIP: string): Promise<void> {
    for (const [key, lease] of await this.rawLeases()) {
      if (key !== keep && lease.publicIP === publicIP) await this.client.delete().key(key).exec();
    }
  }

  private async rawLeases(): Promise<[string, Lease][]> {
    const r = await this.client.getAll().prefix(this.key('subnets/')).exec();
    const out: [string, Lease][] = [];
    for (const kv of r.kvs) {
      const key = kv.key.toString();
      const lease = leaseFromEtcd(key, kv.value.toString());
      if (lease) out.push([key, lease]);
    }
    return out;
  }

  /**
   * Deletes the lease of `subnet` if `publicIP` still holds it (a txn on its mod revision, so a
   * node that re-acquired it meanwhile keeps it). Returns whether a key was deleted.
   */
  async release(subnet: string, publicIP: string): Promise<boolean> {
    const key = this.key(subnetKey(subnet));
    const kv = (await this.client.get(key).exec()).kvs[0];
    if (!kv || leaseFromEtcd(key, kv.value.toString())?.publicIP !== publicIP) return false;
    const r = await this.client.if(key, 'Mod', '==', kv.mod_revision).then(this.client.delete().key(key)).commit();
    return r.succeeded;
  }

  /** Every lease under `subnets/`. */
  async leases(): Promise<Lease[]> {
    return (await this.rawLeases()).map(([, l]) => l);
  }

  /** Calls `onChange` on every put or delete under `subnets/` (an expired lease is a delete). */
  async watch(onChange: () => void): Promise<void> {
    this.watcher = await this.client.watch().prefix(this.key('subnets/')).create();
    this.watcher.on('put', () => onChange()).on('delete', () => onChange()).on('error', () => onChange());
  }

  async close(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}

/**
 * What one node's bird.cfg is made of, with defaults() then validate() reporting every invalid
 * field, as kube-apiserver names field paths.
 */

export interface BgpPeer {
  /** The peer's Kubernetes node name (for logs). */
  name: string;
  /** Its node IP: neighbor address and BGP identity. */
  ip: string;
}

export interface BgpTimers {
  /** Seconds before the first connect attempt (`connect delay time`). */
  connectDelay: number;
  /** Seconds between connect attempts (`connect retry time`). */
  connectRetry: number;
  /** Back-off after an error, from the first to the cap (`error wait time a,b`). */
  errorWait: [number, number];
}

export interface BirdConfig {
  /** This node's IP: router id and source address of every session. */
  nodeIP: string;
  /** Every mesh member (this node may be among them: it is skipped). */
  peers: readonly BgpPeer[];
  /** This node's affine blocks (confirmed BlockAffinities), e.g. `10.244.0.0/26`. */
  blocks: readonly string[];
  /** The IP pools (here: the cluster CIDR); only routes inside them are exported and programmed. */
  pools: readonly string[];
  asNumber?: number;
  timers?: BgpTimers;
  /** Kernel and interface scan period in seconds (Calico: 2). */
  scanTime?: number;
}

/** Calico's default AS for the mesh (BGPConfiguration asNumber). */
export const DEFAULT_AS_NUMBER = 64512;

/**
 * Calico's template timers are connect delay 2 s, retry 5 s, error wait 5-30 s. podnet keeps the
 * 2 s delay (it lets both ends of a new pair come up) but retries sooner, so a node whose peer
 * starts a little later still converges in a few seconds.
 */
export const DEFAULT_TIMERS: BgpTimers = { connectDelay: 2, connectRetry: 2, errorWait: [2, 10] };

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function cidrProblem(cidr: string): string | undefined {
  const [addr, len, extra] = cidr.split('/');
  if (extra !== undefined || !IPV4.test(addr ?? '') || !/^\d{1,2}$/.test(len ?? '') || Number(len) > 32) return 'must be an IPv4 CIDR like 10.244.0.0/26';
  const host = 32 - Number(len);
  const n = addr.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  return n % 2 ** host === 0 ? undefined : `host bits set: the network is ${cidrBase(n, host)}/${len}`;
}

function cidrBase(n: number, hostBits: number): string {
  const base = n - (n % 2 ** hostBits);
  return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.');
}

/** Fills the defaults and checks every field; the error lists each problem with its path. */
export function checkBirdConfig(c: BirdConfig): Required<BirdConfig> {
  const cfg: Required<BirdConfig> = {
    ...c,
    asNumber: c.asNumber ?? DEFAULT_AS_NUMBER,
    timers: c.timers ?? DEFAULT_TIMERS,
    scanTime: c.scanTime ?? 2,
  };
  const errs: string[] = [];
  if (!IPV4.test(cfg.nodeIP ?? '')) errs.push(`nodeIP: Invalid value "${cfg.nodeIP}": must be an IPv4 address`);
  cfg.peers.forEach((p, i) => {
    if (!IPV4.test(p.ip ?? '')) errs.push(`peers[${i}].ip: Invalid value "${p.ip}": must be an IPv4 address`);
  });
  for (const field of ['blocks', 'pools'] as const) {
    cfg[field].forEach((b, i) => {
      const why = cidrProblem(b);
      if (why) errs.push(`${field}[${i}]: Invalid value "${b}": ${why}`);
    });
  }
  if (!cfg.pools.length) errs.push('pools: Required value: at least one IP pool');
  if (!(Number.isInteger(cfg.asNumber) && cfg.asNumber > 0 && cfg.asNumber < 2 ** 32)) errs.push(`asNumber: Invalid value ${cfg.asNumber}: must be 1-4294967295`);
  const { connectDelay, connectRetry, errorWait } = cfg.timers;
  for (const [path, v] of [['timers.connectDelay', connectDelay], ['timers.connectRetry', connectRetry], ['timers.errorWait[0]', errorWait[0]], ['timers.errorWait[1]', errorWait[1]], ['scanTime', cfg.scanTime]] as const) {
    if (!(Number.isInteger(v) && v > 0)) errs.push(`${path}: Invalid value ${v}: must be a positive whole number of seconds`);
  }
  if (errorWait[1] < errorWait[0]) errs.push(`timers.errorWait: Invalid value [${errorWait.join(', ')}]: the cap is below the first wait`);
  if (errs.length) throw new Error(`bird config: Invalid input: ${errs.join('; ')}`);
  return cfg;
}

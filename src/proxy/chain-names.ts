/**
 * kube-proxy nftables chain and set names: `<prefix>-<base32(sha256(base))[0:8]>-<base>`, so a
 * name is stable across restarts and readable in `nft list table` (pkg/proxy/nftables
 * hashAndTruncate). The hash keeps names unique after truncation to knftables' length limit.
 */
import { createHash } from 'node:crypto';

/** knftables.NameLengthMax (256) minus room for a prefix: the longest base kube-proxy keeps. */
const NAME_LENGTH_MAX = 240;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 standard base32 (uppercase, `=` padding) of `data`: Go's base32.StdEncoding. */
export function base32(data: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

// Every sync names every chain again; hashing is most of a sync's CPU with thousands of services.
const memo = new Map<string, string>();
const MEMO_MAX = 200_000;

/** `base32(sha256(name))[0:8] + "-" + name`, cut to 240 characters with a `...` marker. */
export function hashAndTruncate(name: string): string {
  let out = memo.get(name);
  if (out === undefined) {
    if (memo.size >= MEMO_MAX) memo.clear();
    out = computeHashAndTruncate(name);
    memo.set(name, out);
  }
  return out;
}

function computeHashAndTruncate(name: string): string {
  const hash = base32(createHash('sha256').update(name, 'utf8').digest()).slice(0, 8);
  const full = `${hash}-${name}`;
  return full.length > NAME_LENGTH_MAX ? full.slice(0, NAME_LENGTH_MAX - 3) + '...' : full;
}

/** Identifies one service port: what every per-service chain name is derived from. */
export interface ServicePortRef {
  namespace: string;
  name: string;
  /** Lowercase `tcp`, `udp` or `sctp`. */
  protocol: string;
  /** The service port's name; may be empty. */
  portName: string;
}

/** `<ns>/<svc>/<proto>/<portName>`. */
export function servicePortChainNameBase(sp: ServicePortRef): string {
  return `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`;
}

/** `<svcBase>__<ip>/<port>`, with IPv6 colons turned into dots (chain names cannot hold `:`). */
export function servicePortEndpointChainNameBase(sp: ServicePortRef, ip: string, port: number): string {
  return `${servicePortChainNameBase(sp)}__${ip.replaceAll(':', '.')}/${port}`;
}

export const serviceChainName = (sp: ServicePortRef): string => 'service-' + hashAndTruncate(servicePortChainNameBase(sp));
export const localChainName = (sp: ServicePortRef): string => 'local-' + hashAndTruncate(servicePortChainNameBase(sp));
export const externalChainName = (sp: ServicePortRef): string => 'external-' + hashAndTruncate(servicePortChainNameBase(sp));
export const firewallChainName = (sp: ServicePortRef): string => 'firewall-' + hashAndTruncate(servicePortChainNameBase(sp));
export const endpointChainName = (sp: ServicePortRef, ip: string, port: number): string =>
  'endpoint-' + hashAndTruncate(servicePortEndpointChainNameBase(sp, ip, port));
export const affinitySetName = (sp: ServicePortRef, ip: string, port: number): string =>
  'affinity-' + hashAndTruncate(servicePortEndpointChainNameBase(sp, ip, port));

/** Service and endpoint chains hold a `/`; static chains never do (kube-proxy's garbage-collection test). */
export const isServiceChainName = (chain: string): boolean => chain.includes('/');
export const isAffinitySetName = (set: string): boolean => set.startsWith('affinity-');

/** iptables mode's hash: `base32(sha256(s))[0:16]` (KUBE-SVC-/KUBE-SEP- suffixes). */
export function portProtoHash(s: string): string {
  return base32(createHash('sha256').update(s, 'utf8').digest()).slice(0, 16);
}

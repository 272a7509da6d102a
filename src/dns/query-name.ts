/**
 * Where a query name falls, as CoreDNS's parse.go: inside the cluster zone (with the labels
 * before it, lower-cased, and the zone as the client spelled it), a reverse name, or outside.
 */

export type ParsedName =
  | { kind: 'zone'; labels: string[]; zoneAsQueried: string }
  | { kind: 'reverse'; ip: string; zone: string }
  | { kind: 'outside' };

/** Strips a trailing dot; DNS names compare case-insensitively. */
export function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export function parseQueryName(qname: string, zone: string): ParsedName {
  const name = trimDot(qname);
  const lower = name.toLowerCase();
  const z = trimDot(zone).toLowerCase();
  if (lower === z || lower.endsWith(`.${z}`)) {
    const rel = lower === z ? '' : lower.slice(0, lower.length - z.length - 1);
    return { kind: 'zone', labels: rel ? rel.split('.') : [], zoneAsQueried: name.slice(name.length - z.length) };
  }
  if (lower.endsWith('.in-addr.arpa')) {
    const parts = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
      return { kind: 'reverse', ip: parts.reverse().join('.'), zone: 'in-addr.arpa' };
    }
    return { kind: 'reverse', ip: '', zone: 'in-addr.arpa' };
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.');
    const ok = nibbles.length === 32 && nibbles.every((n) => /^[0-9a-f]$/.test(n));
    return { kind: 'reverse', ip: ok ? nibbles.reverse().join('') : '', zone: 'ip6.arpa' };
  }
  return { kind: 'outside' };
}

/**
 * A comparable form of an address: IPv4 as is, IPv6 as its 32 hex nibbles (so `fd00::1`, its
 * expanded spelling and an ip6.arpa name compare equal).
 */
export function ipKey(ip: string): string {
  if (!ip.includes(':')) return ip; // IPv4, or already nibbles (from an ip6.arpa name)
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = ip.includes('::') ? Array(Math.max(0, 8 - h.length - t.length)).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join('');
}

/** `10-244-0-5` -> `10.244.0.5` (exactly three dashes, as CoreDNS's pod names); else undefined. */
export function dashedToIPv4(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.join('.');
}

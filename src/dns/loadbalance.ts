/**
 * CoreDNS's `loadbalance` plugin (in kubeadm's Corefile): rotates the A and AAAA records of an
 * answer, one step per response, so clients that take the first address spread over a headless
 * service's endpoints. Other records (CNAME first) keep their place.
 */
import type { Answer, Packet } from 'dns-packet';

export function roundRobin(res: Packet, turn: number): Packet {
  const answers = res.answers ?? [];
  const addrIdx = answers.map((a, i) => (a.type === 'A' || a.type === 'AAAA' ? i : -1)).filter((i) => i >= 0);
  if (addrIdx.length < 2) return res;
  const addrs = addrIdx.map((i) => answers[i]);
  const shift = turn % addrs.length;
  const rotated = [...addrs.slice(shift), ...addrs.slice(0, shift)];
  const out: Answer[] = [...answers];
  addrIdx.forEach((pos, k) => (out[pos] = rotated[k]));
  return { ...res, answers: out };
}

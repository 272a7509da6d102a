/**
 * The host-wide IPAM lock calico-ipam takes around an assignment (Calico's ipam.lock file): one
 * assignment per node at a time in this process, so a burst of ADDs on one node does not turn
 * into a storm of resourceVersion conflicts on the same block. Correctness never rests on it.
 * The keyed mutex is the CNI server's own; the prefix keeps these keys apart from the plugins'.
 */
import { withKeyLock } from '../../cni/mutex.js';

export function withHostLock<T>(node: string, fn: () => Promise<T>): Promise<T> {
  return withKeyLock(`calico-ipam/${node}`, fn);
}

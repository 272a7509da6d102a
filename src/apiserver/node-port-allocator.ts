/**
 * NodePort allocation over the node port range (default 30000-32767), as upstream's service
 * REST storage does for NodePort and LoadBalancer Services: requested ports are honoured when
 * free and in range, others get the next free port. In memory, rebuilt from stored Services.
 */
import { type FieldError, invalidValue } from '../api/validation/field-errors.js';

export class NodePortAllocator {
  private readonly used = new Set<number>();
  private next: number;

  constructor(
    readonly min = 30000,
    readonly max = 32767,
  ) {
    this.next = min;
  }

  restore(port: number): void {
    if (port >= this.min && port <= this.max) this.used.add(port);
  }

  /** Allocates `requested` (validated against the range) or the next free port. */
  allocate(field: string, requested?: number): { port: number } | { error: FieldError } {
    if (requested) {
      if (requested < this.min || requested > this.max) {
        return { error: invalidValue(field, requested, `provided port is not in the valid range. The range of valid ports is ${this.min}-${this.max}`) };
      }
      if (this.used.has(requested)) return { error: invalidValue(field, requested, 'provided port is already allocated') };
      this.used.add(requested);
      return { port: requested };
    }
    const size = this.max - this.min + 1;
    for (let i = 0; i < size; i++) {
      const p = this.next;
      this.next = p >= this.max ? this.min : p + 1;
      if (!this.used.has(p)) {
        this.used.add(p);
        return { port: p };
      }
    }
    return { error: invalidValue(field, 0, `range is full (${this.min}-${this.max})`) };
  }

  release(port: number | undefined): void {
    if (port) this.used.delete(port);
  }
}

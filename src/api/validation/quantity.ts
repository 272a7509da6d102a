/**
 * Resource quantities (apimachinery resource.Quantity): `500m`, `1Gi`, `2`, `1e3`, parsed to a
 * number for comparisons (requests <= limits). Exactness beyond float precision is not needed here.
 */

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const SUFFIXES: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity, or undefined when it is not one. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(.*)$/.exec(q);
  if (!m) return undefined;
  const num = Number(m[1]);
  const suffix = m[2];
  if (suffix in SUFFIXES) return num * SUFFIXES[suffix];
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  return exp ? num * 10 ** Number(exp[1]) : undefined;
}

/** Quantities print as the client wrote them (upstream canonicalizes: `1000m` would print `1`). */
export const quantityString = (q: unknown): string => String(q);

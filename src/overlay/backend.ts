/**
 * flannel's backend types podnet implements (net-conf.json `Backend.Type`, k3s's
 * `--flannel-backend`): vxlan (the default) and host-gw.
 */
export const BACKEND_TYPES = ['vxlan', 'host-gw'] as const;
export type BackendType = (typeof BACKEND_TYPES)[number];
export const DEFAULT_BACKEND: BackendType = 'vxlan';

/** Checks a backend type given as `field` (a flag or a config field); the error names both. */
export function parseBackendType(value: string, field = '--backend'): BackendType {
  if ((BACKEND_TYPES as readonly string[]).includes(value)) return value as BackendType;
  throw new Error(`${field}: Unsupported value: "${value}": supported values: ${BACKEND_TYPES.map((b) => `"${b}"`).join(', ')}`);
}

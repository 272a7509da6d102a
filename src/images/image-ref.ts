/**
 * Image references as container runtimes read them (docker/distribution "reference" grammar,
 * simplified): `httpd` → `docker.io/library/httpd:latest`. podnet has no registry, so a
 * reference is only useful if it names one of the built-in images.
 */

export interface ImageRef {
  /** `docker.io`, `registry.k8s.io`, `gcr.io`, ... */
  domain: string;
  /** `library/httpd`, `e2e-test-images/agnhost`. */
  path: string;
  tag: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';

/** True when the first path component names a registry host (has a dot or port, or is localhost). */
function isDomain(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

/**
 * Parses an image reference. Throws on an empty or malformed reference, naming it.
 */
export function parseImageRef(ref: string): ImageRef {
  const trimmed = ref.trim();
  if (!trimmed || /\s/.test(trimmed) || /[A-Z]/.test(trimmed.split('@')[0].split('/').slice(-1)[0].split(':')[0])) {
    throw new Error(`images: Cannot parse image reference "${ref}": invalid reference format`);
  }
  let rest = trimmed;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const parts = rest.split('/');
  const domain = parts.length > 1 && isDomain(parts[0]) ? parts.shift()! : DEFAULT_DOMAIN;
  let last = parts[parts.length - 1];
  let tag = 'latest';
  const colon = last.lastIndexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
    parts[parts.length - 1] = last;
  }
  if (parts.some((p) => p === '') || !tag) {
    throw new Error(`images: Cannot parse image reference "${ref}": invalid reference format`);
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift('library');
  return { domain, path: parts.join('/'), tag, digest };
}

/** The fully qualified form kubelet reports in containerStatuses[].image. */
export function normalizeImage(ref: string): string {
  const r = parseImageRef(ref);
  return `${r.domain}/${r.path}${r.digest ? `@${r.digest}` : `:${r.tag}`}`;
}

/** The last path component: `httpd`, `agnhost`, `kubernetes-bootcamp`. */
export function imageBaseName(ref: ImageRef): string {
  const parts = ref.path.split('/');
  return parts[parts.length - 1];
}

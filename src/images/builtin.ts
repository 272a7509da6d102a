/**
 * The catalogue of podnet's built-in images: which references name them, and the entrypoint
 * each real image has (so that `command: ["/agnhost", "netexec"]` still runs the built-in).
 */
import { type ImageRef, imageBaseName, parseImageRef } from './image-ref.js';

export type BuiltinImage = 'httpd' | 'nginx' | 'bootcamp' | 'agnhost' | 'busybox' | 'coredns' | 'pause';

interface CatalogueEntry {
  image: BuiltinImage;
  /** Repository paths (domain/path, without tag) that name this image. */
  matches: (ref: ImageRef) => boolean;
  /** Entrypoint paths of the real image: a command naming one runs the built-in. */
  entrypoints: string[];
  /** False for images whose program is the container's own command (busybox and friends). */
  hasProgram: boolean;
}

const base = (names: string[]) => (ref: ImageRef) => names.includes(imageBaseName(ref));

/** Shell-like images: the container's command runs with the host's tools. */
const SHELL_IMAGES = ['busybox', 'alpine', 'debian', 'ubuntu', 'curl', 'netshoot', 'python', 'node', 'bash', 'toolbox'];

const CATALOGUE: CatalogueEntry[] = [
  { image: 'httpd', matches: base(['httpd']), entrypoints: ['httpd-foreground', 'httpd'], hasProgram: true },
  { image: 'nginx', matches: base(['nginx', 'nginx-unprivileged']), entrypoints: ['nginx'], hasProgram: true },
  {
    image: 'bootcamp',
    matches: base(['bootcamp', 'kubernetes-bootcamp']),
    entrypoints: [],
    hasProgram: true,
  },
  { image: 'agnhost', matches: base(['agnhost']), entrypoints: ['/agnhost', 'agnhost'], hasProgram: true },
  { image: 'coredns', matches: base(['coredns']), entrypoints: ['/coredns', 'coredns'], hasProgram: true },
  { image: 'pause', matches: base(['pause']), entrypoints: ['/pause', 'pause'], hasProgram: true },
  { image: 'busybox', matches: base(SHELL_IMAGES), entrypoints: [], hasProgram: false },
];

/**
 * The built-in image a reference names, or undefined (an unparsable reference included).
 */
export function builtinImageFor(reference: string): BuiltinImage | undefined {
  let ref: ImageRef;
  try {
    ref = parseImageRef(reference);
  } catch {
    return undefined;
  }
  return CATALOGUE.find((e) => e.matches(ref))?.image;
}

/** True when `command[0]` is the real image's entrypoint (`/agnhost`, `/coredns`, ...). */
export function isEntrypointOf(image: BuiltinImage, program: string): boolean {
  return CATALOGUE.find((e) => e.image === image)!.entrypoints.includes(program);
}

export function hasBuiltinProgram(image: BuiltinImage): boolean {
  return CATALOGUE.find((e) => e.image === image)!.hasProgram;
}

/** The message kubelet shows when a pull fails, worded for podnet. */
export function pullErrorMessage(reference: string): string {
  let name = reference;
  try {
    name = imageBaseName(parseImageRef(reference));
  } catch {
    return `Failed to pull image "${reference}": invalid reference format`;
  }
  return `Failed to pull image "${reference}": podnet has no built-in image "${name}" and no registry is reachable`;
}

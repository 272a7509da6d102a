/**
 * Wires container-env to the agent: the Services it knows (for service links), ConfigMaps and
 * Secrets read from the API, and the process defaults (PATH, HOME) a container starts with.
 */
import type { ConfigMap, Container, Pod, Secret } from '../api/types.js';
import { type Client, isNotFound } from '../client/client.js';
import { type EnvSources, containerEnv, expandVars } from './container-env.js';

export interface ContainerEnvDeps {
  /** Service env vars for the pod (service links plus the kubernetes Service). */
  serviceEnv(pod: Pod): [string, string][];
  envSources: EnvSources;
  /** `<nodeRoot>/pods/<uid>` of a pod. */
  podDirOf(pod: Pod): string;
}

/** Reads env sources from the API; a missing object is undefined, other errors throw. */
export function apiEnvSources(client: Client): EnvSources {
  const get = async <T extends ConfigMap | Secret>(plural: string, ns: string, name: string): Promise<T | undefined> => {
    try {
      return await client.get<T>(plural, ns, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  return {
    configMap: (ns, name) => get<ConfigMap>('configmaps', ns, name),
    secret: (ns, name) => get<Secret>('secrets', ns, name),
  };
}

/**
 * The process environment of container `c`: defaults first (the host's PATH, since commands run
 * with the host's tools), then everything kubelet would set. Command and args are expanded
 * against it by the caller.
 */
export async function buildContainerEnv(pod: Pod, c: Container, deps: ContainerEnvDeps): Promise<Record<string, string>> {
  const vars = await containerEnv(pod, c, deps.serviceEnv(pod), deps.envSources);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' };
  for (const [k, v] of vars) env[k] = v;
  return env;
}

/** `$(VAR)` expansion of command and args against the container's env, as kubelet does. */
export function expandCommand(argv: string[] | undefined, env: Record<string, string>): string[] | undefined {
  if (!argv) return undefined;
  const vars = new Map(Object.entries(env));
  return argv.map((a) => expandVars(a, vars));
}

/**
 * GET pods/<name>/log. Upstream proxies to the kubelet; on one machine the apiserver reads the
 * CRI log file the node agent writes (docs/layout.md:
 * `<stateRoot>/nodes/<node>/pods/<uid>/containers/<name>/0.log`, lines
 * `<RFC3339Nano> <stream> <P|F> <content>`), honouring container, timestamps, tailLines,
 * sinceSeconds, limitBytes and follow.
 */
import { open, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ResourceInfo } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import type { Registry } from './registry.js';
import { StatusError, badRequest } from './status.js';

export interface LogQuery {
  container?: string;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  follow: boolean;
  previous: boolean;
}

const FOLLOW_POLL_MS = 200;

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`${name}: Invalid value: "${v}": must be a non-negative integer`);
  return Number(v);
}

export function parseLogQuery(q: URLSearchParams): LogQuery {
  return {
    container: q.get('container') ?? undefined,
    timestamps: q.get('timestamps') === 'true',
    tailLines: intParam(q, 'tailLines'),
    sinceSeconds: intParam(q, 'sinceSeconds'),
    limitBytes: intParam(q, 'limitBytes'),
    follow: q.get('follow') === 'true',
    previous: q.get('previous') === 'true',
  };
}

/** The container a log request means: the named one, the only one, or the default-container annotation. */
/**
 * Where the node agent keeps a container's records (pid, CRI log) under the state root
 * (docs/layout.md); undefined while the pod has no node or uid.
 */
export function containerDir(stateRoot: string, pod: Pod, container: string): string | undefined {
  const node = pod.spec?.nodeName;
  const uid = pod.metadata?.uid;
  if (!node || !uid) return undefined;
  return join(stateRoot, 'nodes', node, 'pods', uid, 'containers', container);
}

/** The container a request names, or the default one (kubectl's annotation, else the first). */
export function pickContainer(pod: Pod, name: string | undefined): string {
  const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  const podName = pod.metadata?.name;
  if (name) {
    if (!names.includes(name)) throw badRequest(`container ${name} is not valid for pod ${podName}`);
    return name;
  }
  const def = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (def && names.includes(def)) return def;
  const main = (pod.spec?.containers ?? []).map((c) => c.name);
  if (main.length === 1) return main[0];
  throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${main.join(' ')}]`);
}

/** Renders CRI records as kubectl shows them: P pieces joined, F ends a line. */
export function renderCriLog(text: string, q: Pick<LogQuery, 'timestamps' | 'sinceSeconds'>, now = Date.now()): string[] {
  const lines: string[] = [];
  let partial = '';
  let partialTs = '';
  for (const rec of text.split('\n')) {
    const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/.exec(rec);
    if (!m) continue;
    const [, ts, , tag, content] = m;
    if (!partial) partialTs = ts;
    partial += content;
    if (tag === 'P') continue;
    if (q.sinceSeconds === undefined || Date.parse(partialTs) >= now - q.sinceSeconds * 1000) {
      lines.push(`${q.timestamps ? `${partialTs} ` : ''}${partial}\n`);
    }
    partial = '';
  }
  return lines;
}

export class PodLogs {
  constructor(
    private readonly reg: Registry,
    private readonly stateRoot: string,
  ) {}

  async serve(info: ResourceInfo, ns: string, name: string, q: LogQuery, res: ServerResponse): Promise<void> {
    const pod = (await this.reg.get(info, ns, name)) as Pod;
    const container = pickContainer(pod, q.container);
    if (q.previous) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const file = this.logFile(pod, container);
    if (!file || !(await stat(file).catch(() => undefined))) {
      throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    }
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const head = (await fh.read(Buffer.alloc(size), 0, size, 0)).buffer.toString('utf8');
      let lines = renderCriLog(head.slice(0, head.lastIndexOf('\n') + 1), q);
      if (q.tailLines !== undefined) lines = q.tailLines === 0 ? [] : lines.slice(-q.tailLines);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      let budget = q.limitBytes ?? Infinity;
      const write = (s: string): boolean => {
        const chunk = Buffer.from(s).subarray(0, budget);
        budget -= chunk.length;
        res.write(chunk);
        return budget > 0;
      };
      for (const l of lines) if (!write(l)) return void res.end();
      if (!q.follow) return void res.end();
      await this.follow(fh, head.lastIndexOf('\n') + 1, info, pod, container, q, res, write);
    } finally {
      await fh.close();
    }
  }

  private logFile(pod: Pod, container: string): string | undefined {
    const dir = containerDir(this.stateRoot, pod, container);
    return dir && join(dir, '0.log');
  }

  /** Streams new records until the client goes, the pod goes, or the container has terminated. */
  private async follow(
    fh: Awaited<ReturnType<typeof open>>,
    from: number,
    info: ResourceInfo,
    pod: Pod,
    container: string,
    q: LogQuery,
    res: ServerResponse,
    write: (s: string) => boolean,
  ): Promise<void> {
    let offset = from;
    let closed = false;
    res.on('close', () => (closed = true));
    for (let tick = 0; !closed; tick++) {
      const { size } = await fh.stat();
      if (size > offset) {
        const text = (await fh.read(Buffer.alloc(size - offset), 0, size - offset, offset)).buffer.toString('utf8');
        const complete = text.slice(0, text.lastIndexOf('\n') + 1);
        offset += Buffer.byteLength(complete);
        for (const l of renderCriLog(complete, { timestamps: q.timestamps })) if (!write(l)) return void res.end();
      } else if (tick % 5 === 0 && (await this.finished(info, pod, container))) return void res.end();
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  }

  private async finished(info: ResourceInfo, pod: Pod, container: string): Promise<boolean> {
    try {
      const cur = (await this.reg.get(info, pod.metadata?.namespace, pod.metadata!.name!)) as Pod;
      if (cur.metadata?.uid !== pod.metadata?.uid) return true;
      const st = [...(cur.status?.containerStatuses ?? []), ...(cur.status?.initContainerStatuses ?? [])].find((s) => s.name === container);
      return Boolean(st?.state?.terminated);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return true;
      throw e;
    }
  }
}

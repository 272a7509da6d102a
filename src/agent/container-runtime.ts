/**
 * Containers as processes in the sandbox, driven through the shim: start one attempt, observe
 * it (running, exited, or gone), signal its process group. State lives in files under
 * `<podDir>/containers/<name>/` so that an agent restart adopts running containers.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExitRecord, type ShimSpec, containerCommand } from './container-shim.js';
import { rfc3339Nano } from './cri-log.js';
import { containerFiles } from './pod-paths.js';
import { procStat, processStartTime, sameProcess } from './process-identity.js';

/** One attempt of a container: what was started, and as which process. */
export interface ContainerAttempt {
  id: string;
  pid: number;
  /**
   * The kernel's start time of `pid` (process-identity.ts): what identifies the container's
   * process, whatever argv it re-execs with. '-' when it had exited before it was recorded;
   * absent in records of older agents (then argv identifies it).
   */
  procStart?: string;
  argv: string[];
  startedAt: string;
  image: string;
  imageID: string;
  sandboxId: string;
}

export interface TerminatedRecord extends ExitRecord {
  id: string;
  startedAt: string;
}

/** The durable state of one container across attempts (state.json). */
export interface ContainerStateFile {
  restartCount: number;
  current?: ContainerAttempt;
  lastTermination?: TerminatedRecord;
}

export type ContainerObservation =
  | { kind: 'none'; state: ContainerStateFile }
  | { kind: 'running'; state: ContainerStateFile; attempt: ContainerAttempt }
  | { kind: 'exited'; state: ContainerStateFile; attempt: ContainerAttempt; exit: TerminatedRecord };

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path + '.tmp', JSON.stringify(value, null, 2) + '\n');
  await rename(path + '.tmp', path);
}

export const readContainerState = async (dir: string): Promise<ContainerStateFile> =>
  (await readJson<ContainerStateFile>(containerFiles(dir).state)) ?? { restartCount: 0 };

export const writeContainerState = (dir: string, s: ContainerStateFile) => writeJson(containerFiles(dir).state, s);

/**
 * True when `pid` is alive and runs `argv` (so a reused pid is not mistaken for ours). Only for
 * records without a start time: a program that re-execs with another argv[0] fails this test.
 */
export async function processMatches(pid: number, argv: readonly string[]): Promise<boolean> {
  let raw: string;
  try {
    raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const parts = raw.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts.length < argv.length) return false;
  const tail = parts.slice(parts.length - argv.length);
  return tail.every((p, i) => p === argv[i]);
}

/** The pid of the shim of the container in `dir` while it runs (its command line names the dir). */
async function liveShimPid(dir: string): Promise<number | undefined> {
  const pid = Number((await readFile(containerFiles(dir).shimPid, 'utf8').catch(() => '')).trim());
  if (!pid) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(dir) ? pid : undefined;
}

const shimAlive = async (dir: string) => (await liveShimPid(dir)) !== undefined;

/** True while the attempt's own process runs (a zombie waiting for its shim counts as gone). */
export async function attemptAlive(a: ContainerAttempt): Promise<boolean> {
  return a.procStart !== undefined ? sameProcess(a.pid, a.procStart) : processMatches(a.pid, a.argv);
}

/** What the container in `dir` is doing now. */
export async function observeContainer(dir: string): Promise<ContainerObservation> {
  const state = await readContainerState(dir);
  const attempt = state.current;
  if (!attempt) return { kind: 'none', state };
  const exited = (exit: ExitRecord): ContainerObservation => ({ kind: 'exited', state, attempt, exit: { ...exit, id: attempt.id, startedAt: attempt.startedAt } });
  const exit = await readJson<ExitRecord>(containerFiles(dir).exit);
  if (exit) return exited(exit);
  if (await attemptAlive(attempt)) return { kind: 'running', state, attempt };
  // The container is gone but its shim may still be writing the exit record: wait for it.
  for (let t = 0; t < 3000 && (await shimAlive(dir)); t += 50) {
    await new Promise((r) => setTimeout(r, 50));
    const late = await readJson<ExitRecord>(containerFiles(dir).exit);
    if (late) return exited(late);
  }
  const late = await readJson<ExitRecord>(containerFiles(dir).exit);
  if (late) return exited(late);
  // The shim died with its container and left no exit record: kubelet's ContainerStatusUnknown.
  const gone: TerminatedRecord = {
    id: attempt.id,
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
    startedAt: attempt.startedAt,
    finishedAt: rfc3339Nano(Date.now()),
  };
  return { kind: 'exited', state, attempt, exit: gone };
}

export interface StartRequest {
  dir: string;
  /** `container-shim.pl` (run by perl) or the compiled `container-shim.js` (run by node). */
  shimPath: string;
  spec: Omit<ShimSpec, 'pidFile' | 'exitFile' | 'logFile'>;
  image: string;
  imageID: string;
  sandboxId: string;
  /** The state to carry on (restartCount, lastTermination). */
  previous: ContainerStateFile;
}

async function waitForPid(path: string, exitPath: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const readPid = async () => Number((await readFile(path, 'utf8').catch(() => '')).trim());
  while (Date.now() < deadline) {
    const pid = await readPid();
    if (pid > 0) return pid;
    const exit = await readJson<ExitRecord>(exitPath);
    if (exit) {
      // The shim writes the pid before the exit record: a container that exited at once may have
      // written both since the first read. Only an exit without a pid is a failed start.
      const late = await readPid();
      if (late > 0) return late;
      throw new Error(`agent: Cannot start container: ${exit.message ?? exit.reason}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`agent: Cannot start container: the shim wrote no pid to ${path} within ${timeoutMs} ms`);
}

/**
 * Kills a process left by a start the agent did not finish recording (it stopped between the
 * shim's pid file and state.json): without this, a restart would run the container twice.
 */
async function reapUnrecorded(dir: string): Promise<void> {
  const files = containerFiles(dir);
  const pid = Number((await readFile(files.pid, 'utf8').catch(() => '')).trim());
  const spec = await readJson<ShimSpec>(files.spec);
  if (!pid || !spec) return;
  // Ours when its shim is its parent (argv may have changed); else, the shim gone, by argv.
  const shim = await liveShimPid(dir);
  const ours = shim !== undefined ? (await procStat(pid))?.ppid === shim : await processMatches(pid, spec.argv);
  if (!ours) return;
  signalContainer(pid, 'SIGKILL');
  for (let t = 0; t < 5000 && groupAlive(pid); t += 50) await new Promise((r) => setTimeout(r, 50));
}

/** Starts a new attempt through a detached shim; resolves once its pid is recorded. */
export async function startContainer(req: StartRequest): Promise<ContainerAttempt> {
  const files = containerFiles(req.dir);
  await mkdir(req.dir, { recursive: true });
  await reapUnrecorded(req.dir);
  await rm(files.pid, { force: true });
  await rm(files.exit, { force: true });
  const shimSpec: ShimSpec = { ...req.spec, pidFile: files.pid, exitFile: files.exit, logFile: files.log };
  await writeJson(files.spec, shimSpec);
  const shimLog = await open(join(req.dir, 'shim.log'), 'a');
  // The Perl shim takes its files and the command line as arguments and the container's env as
  // its own; the Node shim reads shim.json.
  const [cmd, args, env] = req.shimPath.endsWith('.pl')
    ? ['perl', [req.shimPath, files.pid, files.exit, files.log, ...containerCommand(req.spec)], req.spec.env]
    : [process.execPath, [req.shimPath, files.spec], process.env];
  try {
    // detached + unref: the shim (and so the container) outlives the agent.
    const shim = spawn(cmd, args, { detached: true, env, stdio: ['ignore', shimLog.fd, shimLog.fd] });
    shim.unref();
    if (shim.pid) await writeFile(files.shimPid, `${shim.pid}\n`);
  } finally {
    await shimLog.close();
  }
  const startedAt = rfc3339Nano(Date.now());
  const pid = await waitForPid(files.pid, files.exit, 10_000);
  const attempt: ContainerAttempt = {
    id: randomBytes(32).toString('hex'),
    pid,
    procStart: (await processStartTime(pid)) ?? '-',
    argv: req.spec.argv,
    startedAt,
    image: req.image,
    imageID: req.imageID,
    sandboxId: req.sandboxId,
  };
  await writeContainerState(req.dir, { ...req.previous, current: attempt });
  return attempt;
}

/** Signals the container's process group; a process already gone is not an error. */
export function signalContainer(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  // Just after the shim forks, the container may not lead its own process group yet: signal
  // the process itself, or a kill right after a start would be lost.
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * Stops an attempt: SIGTERM, SIGKILL after `graceSeconds` (at once for 0), waits until its
 * process group is gone, then (up to 2 s) for the shim to record the exit status.
 */
export async function stopContainer(dir: string, a: ContainerAttempt, graceSeconds: number): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const waitGone = async (ms: number) => {
    for (let t = 0; t < ms && groupAlive(a.pid); t += 100) await sleep(100);
  };
  if (graceSeconds > 0) {
    signalContainer(a.pid, 'SIGTERM');
    await waitGone(graceSeconds * 1000);
  }
  signalContainer(a.pid, 'SIGKILL');
  await waitGone(5000);
  const exitFile = containerFiles(dir).exit;
  for (let t = 0; t < 2000 && !(await readJson(exitFile)); t += 50) await sleep(50);
}

/** True while any process of the container's group is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

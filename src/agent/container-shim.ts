/**
 * The container shim (conmon's role): `node container-shim.js <shim.json>`, started detached by
 * the agent. It starts the container process inside the sandbox (its own UTS namespace and
 * process group), records its pid, writes its output to the CRI log, and on exit records the
 * exit status, so that containers and their logs outlive an agent restart.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type ContainerSecurity, boundingSetArg } from './container-security.js';
import { LogLineSplitter, type LogStream, rfc3339Nano } from './cri-log.js';

/** A bind mount made inside the container's private mount namespace. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ShimSpec {
  netns: string;
  hostname: string;
  /** Service account, volumes, per-pod /etc files: bound over their targets in the container only. */
  mounts: BindMount[];
  workingDir: string;
  argv: string[];
  env: Record<string, string>;
  /** Hide and drop what lets a pod reach the host's podnet (container-security.ts); absent = none. */
  security?: ContainerSecurity;
  pidFile: string;
  exitFile: string;
  logFile: string;
}

export interface ExitRecord {
  exitCode: number;
  signal?: string;
  reason: string;
  message?: string;
  finishedAt: string;
}

/** A system tool by absolute path: the container's env (PATH included) is not the host's. */
function tool(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  return name;
}

const IP = tool('ip');
const UNSHARE = tool('unshare');
const SETPRIV = tool('setpriv');
/** bash, not sh: closing an inherited descriptor above 9 needs it. */
const SHELL = tool('bash');

/**
 * Runs inside `ip netns exec` (private mount namespace, so every mount stays the container's own)
 * and `unshare --uts`: set the hostname, make the bind mounts (creating a missing mountpoint),
 * then, after the pod's own mounts so their sources may lie under hidden paths: a private /dev,
 * the masked paths, the read-only paths; enter the working dir and become the container's
 * program with its bounding set (setpriv, which finds the program on the container's PATH).
 * fd 3 is the shim's pipe: "ready" is written to it once the setup is done.
 * Arguments: hostname, workdir, mount count, (source, target, ro|rw) per mount, dev|hostdev,
 * masked count, masked paths, read-only count, read-only paths, caps (all | setpriv's list), argv.
 */
export const CONTAINER_INIT = [
  'host="$1"; wd="$2"; n="$3"; shift 3',
  // The container's own PATH may lack the system tools the setup needs.
  'sys=/usr/sbin:/usr/bin:/sbin:/bin',
  'fail() { echo "podnet: $*" >&2; exit 126; }',
  'PATH=$sys hostname "$host" || exit 126',
  'while [ "$n" -gt 0 ]; do',
  '  src="$1"; dst="$2"; mode="$3"; shift 3; n=$((n - 1))',
  '  if [ ! -e "$dst" ]; then',
  '    if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")" && : > "$dst"; fi || exit 126',
  '  fi',
  '  PATH=$sys mount -o "bind,$mode" "$src" "$dst" || fail "Cannot mount $src at $dst"',
  'done',
  'if [ "$1" = dev ]; then',
  '  PATH=$sys mount -t tmpfs -o nosuid,mode=755,size=65536k podnet-dev /dev || fail "Cannot mount a private /dev"',
  // Fixed device numbers (Documentation/admin-guide/devices.txt), made while MKNOD is still held.
  '  mkdev() { PATH=$sys mknod -m 666 "/dev/$1" c "$2" "$3" || fail "Cannot create /dev/$1"; }',
  '  mkdev null 1 3; mkdev zero 1 5; mkdev full 1 7; mkdev random 1 8; mkdev urandom 1 9; mkdev tty 5 0',
  '  ln -s /proc/self/fd /dev/fd && ln -s /proc/self/fd/0 /dev/stdin && ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd/2 /dev/stderr',
  '  mkdir /dev/shm /dev/pts && PATH=$sys mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm || fail "Cannot mount /dev/shm"',
  '  PATH=$sys mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts && ln -s pts/ptmx /dev/ptmx || fail "Cannot mount /dev/pts"',
  'fi',
  'shift; n="$1"; shift',
  'while [ "$n" -gt 0 ]; do',
  '  p="$1"; shift; n=$((n - 1))',
  '  if [ -d "$p" ]; then PATH=$sys mount -t tmpfs -o ro,nosuid,nodev,noexec,mode=555 podnet-masked "$p" || fail "Cannot mask $p"',
  '  elif [ -e "$p" ]; then PATH=$sys mount --bind /dev/null "$p" || fail "Cannot mask $p"; fi',
  'done',
  'n="$1"; shift',
  'while [ "$n" -gt 0 ]; do',
  '  p="$1"; shift; n=$((n - 1))',
  '  if [ -e "$p" ]; then',
  '    { PATH=$sys mount --bind "$p" "$p" && PATH=$sys mount -o remount,bind,ro "$p"; } || fail "Cannot make $p read-only"',
  '  fi',
  'done',
  // Setup done: the shim records the pid only now (fd 3 is its pipe), then the pipe is closed below.
  '{ echo ready >&3; } 2>/dev/null',
  // Descriptors the agent's own parents leaked to it must not reach the pod (runc closes them too).
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi; done',
  'caps="$1"; shift',
  'cd "$wd" || fail "Cannot enter working dir $wd"',
  '[ "$caps" = all ] && exec "$@"',
  `exec ${SETPRIV} --inh-caps=-all --bounding-set="$caps" -- "$@"`,
].join('\n');

/** The init's caps argument: `all` (privileged) or setpriv's bounding set. */
const boundingSet = (caps: string[] | undefined): string => (caps === undefined ? 'all' : boundingSetArg(caps));

/** The full argv the shim spawns for `spec` (`ip netns exec ... unshare --uts -- bash -c ...`). */
export function containerCommand(spec: Omit<ShimSpec, 'pidFile' | 'exitFile' | 'logFile'>): string[] {
  const mounts = spec.mounts.flatMap((m) => [m.source, m.target, m.readOnly ? 'ro' : 'rw']);
  const sec = spec.security;
  const masked = sec?.maskedPaths ?? [];
  const readonly = sec?.readonlyPaths ?? [];
  return [
    IP, 'netns', 'exec', spec.netns, UNSHARE, '--uts', '--', SHELL, '-c', CONTAINER_INIT, 'sh',
    spec.hostname, spec.workingDir, String(spec.mounts.length), ...mounts,
    sec?.privateDev ? 'dev' : 'hostdev', String(masked.length), ...masked, String(readonly.length), ...readonly,
    sec ? boundingSet(sec.capabilities) : 'all', ...spec.argv,
  ];
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/** kubelet's view of an exit: 128+n for a signal, reason Completed for 0 and Error otherwise. */
export function exitRecord(code: number | null, signal: NodeJS.Signals | null, at = Date.now()): ExitRecord {
  const exitCode = code ?? 128 + (SIGNALS[signal ?? ''] ?? 0);
  return { exitCode, ...(signal ? { signal } : {}), reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: rfc3339Nano(at) };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path + '.tmp', JSON.stringify(value) + '\n');
  renameSync(path + '.tmp', path);
}

function pipeToLog(spec: ShimSpec, stream: LogStream, source: NodeJS.ReadableStream): Promise<void> {
  const splitter = new LogLineSplitter(stream, () => rfc3339Nano(Date.now()));
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => appendFileSync(spec.logFile, splitter.push(chunk)));
  return new Promise((resolve) => {
    source.on('close', () => {
      appendFileSync(spec.logFile, splitter.flush());
      resolve();
    });
  });
}

/**
 * Calls `then` once the container's init reports its setup done on fd 3 (or closes it: it failed
 * or exited), so that nothing (probe, exec) enters the container before its mounts are in place.
 */
function onSetupDone(pipe: Readable, then: () => void): void {
  let called = false;
  const once = (): void => {
    if (!called) {
      called = true;
      then();
    }
  };
  pipe.on('data', once);
  pipe.on('close', once);
  pipe.on('error', once);
  // An init stuck in its setup still gets recorded (the agent waits 10 s for the pid).
  setTimeout(once, 5000).unref();
}

export function runShim(spec: ShimSpec): void {
  // The log exists from the start, as with a CRI runtime, even for a container that prints nothing.
  appendFileSync(spec.logFile, '');
  const [cmd, ...args] = containerCommand(spec);
  // detached: the container leads its own process group, which the agent signals as a whole.
  const child = spawn(cmd, args, { detached: true, env: spec.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  child.on('error', (e) => {
    writeJson(spec.exitFile, { exitCode: 128, reason: 'StartError', message: e.message, finishedAt: rfc3339Nano(Date.now()) });
    process.exit(1);
  });
  if (child.pid === undefined) return;
  const pid = child.pid;
  let pidWritten = false;
  const writePid = (): void => {
    if (!pidWritten) writeFileSync(spec.pidFile, `${pid}\n`);
    pidWritten = true;
  };
  onSetupDone(child.stdio[3] as Readable, writePid);
  const logs = Promise.all([pipeToLog(spec, 'stdout', child.stdout!), pipeToLog(spec, 'stderr', child.stderr!)]);
  child.on('exit', (code, signal) => {
    const rec = exitRecord(code, signal);
    // Background children may hold the pipes open: wait for them briefly, not forever.
    const done = () => {
      writePid(); // the agent reads the pid before the exit record
      writeJson(spec.exitFile, rec);
      process.exit(0);
    };
    const timer = setTimeout(done, 1000);
    void logs.then(() => {
      clearTimeout(timer);
      done();
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write('usage: container-shim.js <shim.json>\n');
    process.exit(2);
  }
  runShim(JSON.parse(readFileSync(specPath, 'utf8')) as ShimSpec);
}

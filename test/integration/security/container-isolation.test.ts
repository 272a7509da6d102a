/**
 * A container started by the real shims (Perl and Node) in a real netns, with the security the
 * agent gives it, next to a state root laid out as docs/layout.md says (a listening apiserver
 * socket, the store file, the agent socket): the pod sees none of it, cannot undo the hiding
 * (umount, setns, /proc/<host pid>/root, mknod, kernel knobs), while its own bind mounts, whose
 * sources lie under the state root, and probes/exec entering its mount namespace still work.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observeContainer, signalContainer, startContainer, type ContainerObservation } from '../../../src/agent/container-runtime.js';
import { runProbe } from '../../../src/agent/probe-exec.js';
import { DEFAULT_CAPABILITIES, containerSecurity, podnetHiddenPaths } from '../../../src/agent/container-security.js';
import { REPO, eventually, uniqueName } from '../../helpers/agent-node.js';

const execFileAsync = promisify(execFile);

const SHIMS = {
  perl: join(REPO, 'src', 'agent', 'container-shim.pl'),
  node: join(REPO, 'dist', 'src', 'agent', 'container-shim.js'),
};

/** Each check prints `name=ok` when the pod managed the thing, `name=denied` when it could not. */
const PROBE_SCRIPT = (s: { base: string; apiSock: string; agentSock: string; db: string }) => `
try() { if eval "$2" >/dev/null 2>&1; then echo "$1=ok"; else echo "$1=denied"; fi; }
try list-state-root 'test -n "$(ls -A ${s.base})"'
try api-socket 'curl -s -f --max-time 2 --unix-socket ${s.apiSock} http://x/version'
try agent-socket 'curl -s --max-time 2 --unix-socket ${s.agentSock} http://x/'
try store-file 'head -c 16 ${s.db}'
try proc-root 'head -c 16 /proc/${process.pid}/root${s.db}'
try proc-root-socket 'curl -s -f --max-time 2 --unix-socket /proc/${process.pid}/root${s.apiSock} http://x/version'
try umount 'umount ${s.base}'
try setns 'nsenter -t ${process.pid} -m true'
try netns-handles 'test -n "$(ls -A /run/netns)"'
try mknod 'mknod /tmp/podnet-sec-$$ b 8 0'
try block-device 'ls /dev | grep -E "^(sd|vd|nvme|xvd|loop|dm-)"'
try sysctl 'echo 1 > /proc/sys/net/ipv4/ip_forward'
try token-mount 'grep -q tok-xyz /var/run/secrets/kubernetes.io/serviceaccount/token'
try dev-null 'echo x > /dev/null && head -c 1 /dev/urandom'
echo "capbnd=$(grep CapBnd /proc/self/status | cut -f2)"
echo "fds=$(ls /proc/self/fd | tr '\\n' ' ')"
`;

function capMask(names: readonly string[]): string {
  const NUM: Record<string, number> = {
    CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8,
    CAP_NET_BIND_SERVICE: 10, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18, CAP_MKNOD: 27, CAP_AUDIT_WRITE: 29, CAP_SETFCAP: 31,
  };
  return names.reduce((m, n) => m | (1n << BigInt(NUM[n])), 0n).toString(16).padStart(16, '0');
}

for (const [kind, shimPath] of Object.entries(SHIMS)) {
  describe(`container isolation from podnet's host state (${kind} shim)`, { timeout: 60_000 }, () => {
    const cluster = uniqueName('t');
    const ns = `${cluster}-pod`;
    const base = mkdtempSync(join(tmpdir(), `${cluster}-state-`));
    const nodeRoot = join(base, cluster, 'nodes', 'node1');
    const podDir = join(nodeRoot, 'pods', 'uid-1');
    const s = { base, apiSock: join(base, cluster, 'run', 'apiserver.sock'), agentSock: join(nodeRoot, 'agent.sock'), db: join(base, cluster, 'store', 'state.db') };
    const servers: Server[] = [];
    const started: number[] = [];
    let n = 0;

    const run = async (argv: string[], sec = containerSecurity({ name: 'c' }, podnetHiddenPaths(nodeRoot, cluster, [REPO]))) => {
      const dir = join(podDir, 'containers', `c${n++}`);
      const attempt = await startContainer({
        dir, shimPath, image: 'busybox', imageID: 'x', sandboxId: 's', previous: { restartCount: 0 },
        spec: {
          netns: ns, hostname: 'pod-a', workingDir: '/', argv, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' }, security: sec,
          mounts: [{ source: join(podDir, 'serviceaccount'), target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        },
      });
      started.push(attempt.pid);
      return { dir, attempt };
    };
    const output = async (argv: string[]) => {
      const { dir } = await run(argv);
      const obs = await eventually(async () => {
        const o = await observeContainer(dir);
        return o.kind === 'exited' ? (o as Extract<ContainerObservation, { kind: 'exited' }>) : undefined;
      }, 20_000, 'container exit');
      const log = readFileSync(join(dir, '0.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
      return { exit: obs.exit, lines: log, results: Object.fromEntries(log.filter((l) => l.includes('=')).map((l) => l.split('=', 2))) as Record<string, string> };
    };

    before(async () => {
      execFileSync('ip', ['netns', 'add', ns]);
      for (const d of [join(base, cluster, 'run'), join(base, cluster, 'store'), join(podDir, 'serviceaccount')]) mkdirSync(d, { recursive: true });
      writeFileSync(s.db, 'SQLite format 3\0');
      writeFileSync(join(podDir, 'serviceaccount', 'token'), 'tok-xyz');
      for (const path of [s.apiSock, s.agentSock]) {
        const server = createServer((_, res) => res.end('{"major":"1"}'));
        await new Promise<void>((r) => server.listen(path, r));
        servers.push(server);
      }
    });

    after(async () => {
      for (const pid of started) signalContainer(pid, 'SIGKILL');
      // The shims (their argv names files under base) may still be writing exit records: end
      // them too, so removing base does not race a late write (ENOTEMPTY).
      spawnSync('pkill', ['-KILL', '-f', base]);
      await new Promise((r) => setTimeout(r, 200));
      for (const server of servers) await new Promise((r) => server.close(r));
      spawnSync('ip', ['netns', 'del', ns]);
      rmSync(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      assert.equal(existsSync(`/run/netns/${ns}`), false);
      assert.deepEqual(readdirSync('/run/netns').filter((x) => x.startsWith(`${cluster}-`)), []);
    });

    it('hides the whole state root and the netns handles, keeping the program', async () => {
      assert.deepEqual(podnetHiddenPaths(nodeRoot, cluster, [REPO]), [base, '/run/netns']);
      // The host itself reaches the sockets: the denials below come from the container's view.
      const { stdout } = await execFileAsync('curl', ['-s', '--unix-socket', s.apiSock, 'http://x/version'], { encoding: 'utf8' });
      assert.match(stdout, /major/);
    });

    it('reaches neither the API socket, the agent socket nor the store, however it tries', async () => {
      const { results, lines } = await output(['sh', '-c', PROBE_SCRIPT(s)]);
      const expected = {
        'list-state-root': 'denied', 'api-socket': 'denied', 'agent-socket': 'denied', 'store-file': 'denied', 'proc-root': 'denied',
        'proc-root-socket': 'denied', umount: 'denied', setns: 'denied', 'netns-handles': 'denied', mknod: 'denied', 'block-device': 'denied',
        sysctl: 'denied', 'token-mount': 'ok', 'dev-null': 'ok',
      };
      for (const [k, v] of Object.entries(expected)) assert.equal(results[k], v, `${k}: ${lines.join('\n')}`);
      assert.equal(results.capbnd, capMask(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD')));
      // Only stdin, stdout, stderr and the fd `ls` opened: nothing of the shim's leaks in.
      assert.deepEqual(results.fds.trim().split(' ').filter((f) => Number(f) > 3), []);
    });

    it('lets probes and exec enter its mount namespace and see what the container sees', async () => {
      const { attempt } = await run(['sleep', '60']);
      // The shim records the pid only once the init's mounts are in place: no window to race.
      const r = spawnSync('nsenter', [`--target=${attempt.pid}`, '--mount', '--', 'sh', '-c', `cat /var/run/secrets/kubernetes.io/serviceaccount/token && ls -A ${base}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'tok-xyz', 'exec right after the start sees the token mount and an empty state root');
    });

    it('runs an exec probe (a command the pod author wrote) with the capabilities of the container only', async () => {
      const { attempt } = await run(['sleep', '60']);
      const container = { name: 'c', image: 'busybox' };
      const probe = (cmd: string) => runProbe({ exec: { command: ['sh', '-c', cmd] }, timeoutSeconds: 5 }, { podIP: '', nodeNetns: ns, pid: attempt.pid, container });
      await eventually(async () => (await probe('grep -q tok-xyz /var/run/secrets/kubernetes.io/serviceaccount/token')).ok, 10_000, 'the probe sees the token');
      const caps = await probe('grep CapBnd /proc/self/status | cut -f2');
      assert.equal(caps.output, capMask(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD')));
      const escape = await probe(`umount ${base} || nsenter -t ${process.pid} -m true || cat /proc/${process.pid}/root${s.db}`);
      assert.equal(escape.ok, false, escape.output);
    });

    it('gives a privileged container every capability and the host devices', async () => {
      const sec = containerSecurity({ name: 'c', securityContext: { privileged: true } }, podnetHiddenPaths(nodeRoot, cluster, [REPO]));
      const { dir } = await run(['sh', '-c', 'grep CapBnd /proc/self/status | cut -f2; test -e /dev/pts/ptmx && echo hostdev; ls -A ' + base], sec);
      const obs = await eventually(async () => ((await observeContainer(dir)).kind === 'exited' ? true : undefined), 20_000, 'exit');
      assert.ok(obs);
      const out = readFileSync(join(dir, '0.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
      const host = readFileSync('/proc/self/status', 'utf8').match(/CapBnd:\s+(\w+)/)![1];
      assert.deepEqual(out, [host, 'hostdev'], 'privileged: host bounding set, host /dev, state root still hidden');
    });

    it('adds and drops capabilities as securityContext says', async () => {
      const sec = containerSecurity({ name: 'c', securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'net_raw'] } } }, []);
      const { dir } = await run(['sh', '-c', 'grep CapBnd /proc/self/status | cut -f2'], sec);
      await eventually(async () => ((await observeContainer(dir)).kind === 'exited' ? true : undefined), 20_000, 'exit');
      const out = readFileSync(join(dir, '0.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
      assert.deepEqual(out, [capMask(['CAP_NET_ADMIN', 'CAP_NET_RAW'])]);
    });
  });
}

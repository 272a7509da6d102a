/**
 * What pods/exec and pods/portforward share: the bearer-token check of an `Upgrade:` request
 * (it bypasses the router), finding a running container's process from the node agent's records
 * (docs/layout.md: `nodes/<node>/pods/<uid>/containers/<name>/pid`), and answering a refused
 * upgrade with a Status.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Pod } from '../api/types.js';
import { containerDir } from './pod-logs.js';
import { StatusError, badRequest, unauthorized } from './status.js';

export function authorizeUpgrade(req: IncomingMessage, token: string | undefined): void {
  if (token && req.headers.authorization !== `Bearer ${token}`) throw unauthorized();
}

/** The pid of a running container of `pod`; 400 as upstream words it when there is none. */
export async function containerPid(stateRoot: string, pod: Pod, container: string): Promise<number> {
  const missing = badRequest(`unable to upgrade connection: container not found ("${container}")`);
  if (pod.status?.phase !== 'Running') throw missing;
  const dir = containerDir(stateRoot, pod, container);
  const pid = dir ? (await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim() : '';
  if (!/^\d+$/.test(pid)) throw missing;
  return Number(pid);
}

/** Answers a refused upgrade with its Status, unless the socket was already taken over. */
export function rejectUpgrade(socket: Duplex, e: unknown): void {
  if (!socket.writable) return;
  const st = e instanceof StatusError ? e : badRequest((e as Error).message);
  const body = JSON.stringify(st.toStatus());
  socket.end(`HTTP/1.1 ${st.code} ${st.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

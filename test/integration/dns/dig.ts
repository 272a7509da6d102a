/** Runs the real `dig` against a local server and returns its answer in short, parseable form. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface DigResult {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  raw: string;
}

/** `dig @127.0.0.1 -p port name type [+tcp]`, sections as whitespace-normalized record lines. */
export async function dig(port: number, name: string, type = 'A', extra: string[] = []): Promise<DigResult> {
  const { stdout } = await execFileP('dig', ['@127.0.0.1', '-p', String(port), name, type, '+time=2', '+tries=1', '+nocookie', ...extra]);
  const section = (title: string): string[] => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(\\n\\n|$)`).exec(stdout);
    return m ? m[1].split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ')) : [];
  };
  return {
    status: /status: (\w+)/.exec(stdout)?.[1] ?? 'NONE',
    flags: (/;; flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(' '),
    answer: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL').filter((l) => !l.startsWith(';')),
    raw: stdout,
  };
}

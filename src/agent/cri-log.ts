/**
 * The CRI container log format kubelet reads: one record per line,
 * `<RFC3339Nano timestamp> <stream> <P|F> <content>`; F marks the end of a line, P a partial
 * piece of a longer one (runtimes split at 16 KiB).
 */
export type LogStream = 'stdout' | 'stderr';

export const MAX_LOG_LINE = 16 * 1024;

/** RFC3339Nano as Go prints it: UTC, fractional seconds without trailing zeros. */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-11-23T17:40:00.123Z
  const nanos = String((ms % 1000) * 1_000_000 + extraNanos).padStart(9, '0').replace(/0+$/, '');
  return iso.slice(0, 19) + (nanos ? `.${nanos}` : '') + 'Z';
}

export function formatLogRecord(time: string, stream: LogStream, tag: 'P' | 'F', content: string): string {
  return `${time} ${stream} ${tag} ${content}\n`;
}

/**
 * Splits a stream's chunks into CRI records: complete lines become F records, pieces longer than
 * MAX_LOG_LINE become P records, and flush() emits the unterminated rest as F.
 */
export class LogLineSplitter {
  private pending = '';

  constructor(
    private readonly stream: LogStream,
    private readonly clock: () => string,
  ) {}

  push(chunk: string): string {
    this.pending += chunk;
    let out = '';
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      out += this.records(this.pending.slice(0, nl), 'F');
      this.pending = this.pending.slice(nl + 1);
    }
    while (this.pending.length > MAX_LOG_LINE) {
      out += formatLogRecord(this.clock(), this.stream, 'P', this.pending.slice(0, MAX_LOG_LINE));
      this.pending = this.pending.slice(MAX_LOG_LINE);
    }
    return out;
  }

  flush(): string {
    if (!this.pending) return '';
    const out = this.records(this.pending, 'F');
    this.pending = '';
    return out;
  }

  private records(line: string, last: 'F'): string {
    let out = '';
    let rest = line.endsWith('\r') ? line.slice(0, -1) : line;
    while (rest.length > MAX_LOG_LINE) {
      out += formatLogRecord(this.clock(), this.stream, 'P', rest.slice(0, MAX_LOG_LINE));
      rest = rest.slice(MAX_LOG_LINE);
    }
    return out + formatLogRecord(this.clock(), this.stream, last, rest);
  }
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogLineSplitter, MAX_LOG_LINE, rfc3339Nano } from '../../../src/agent/cri-log.js';

describe('CRI log format', () => {
  it('RFC3339Nano without trailing zeros, as Go prints it', () => {
    assert.equal(rfc3339Nano(Date.UTC(2026, 10, 23, 17, 40, 0, 123)), '2026-11-23T17:40:00.123Z');
    assert.equal(rfc3339Nano(Date.UTC(2026, 10, 23, 17, 40, 0, 120), 4500), '2026-11-23T17:40:00.1200045Z');
    assert.equal(rfc3339Nano(Date.UTC(2026, 10, 23, 17, 40, 0, 0)), '2026-11-23T17:40:00Z');
  });

  it('splits chunks into F records and keeps a partial line until its end', () => {
    const s = new LogLineSplitter('stdout', () => 'T');
    assert.equal(s.push('hello\nwor'), 'T stdout F hello\n');
    assert.equal(s.push('ld\n\n'), 'T stdout F world\nT stdout F \n');
    assert.equal(s.push('tail'), '');
    assert.equal(s.flush(), 'T stdout F tail\n');
    assert.equal(s.flush(), '');
  });

  it('cuts long lines into P records', () => {
    const s = new LogLineSplitter('stderr', () => 'T');
    const out = s.push('x'.repeat(MAX_LOG_LINE + 3) + '\n');
    assert.deepEqual(out.split('\n').filter(Boolean).map((l) => l.slice(0, 11) + l.length), [`T stderr P ${11 + MAX_LOG_LINE}`, 'T stderr F 14']);
  });
});

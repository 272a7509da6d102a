import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat, processStartTime, sameProcess } from '../../../src/agent/process-identity.js';

describe('process identity', () => {
  it('parses state, ppid and start time past a command name with spaces and parentheses', () => {
    const rest = Array.from({ length: 30 }, (_, i) => String(i + 100));
    rest[0] = 'S';
    rest[1] = '42';
    rest[19] = '18446744073709551615';
    const st = parseProcStat(`1234 (a) b (c)) ${rest.join(' ')}\n`);
    assert.deepEqual(st, { state: 'S', ppid: 42, startTime: '18446744073709551615' });
  });

  it('rejects a truncated stat line', () => {
    assert.equal(parseProcStat('1 (x) S 0 1'), undefined);
    assert.equal(parseProcStat('garbage'), undefined);
  });

  it('names this very process by pid and start time; another start time is another process', async () => {
    const start = await processStartTime(process.pid);
    assert.match(start ?? '', /^\d+$/);
    assert.equal(await sameProcess(process.pid, start!), true);
    assert.equal(await sameProcess(process.pid, String(BigInt(start!) + 1n)), false);
    assert.equal(await processStartTime(-1), undefined);
  });
});

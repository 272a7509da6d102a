/** The pure parts of exec -t: quoting the command for `script`, and reading resize messages. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseResize, ttyCommand } from '../../../src/apiserver/exec-tty.js';

describe('exec tty', () => {
  it('quotes every argument so the shell that script starts sees exactly the argv', () => {
    const argv = ttyCommand(['printf', '%s|', "it's", 'a b', '$HOME', '`x`'], { Width: 100, Height: 30 });
    assert.deepEqual(argv.slice(0, 5), ['script', '--quiet', '--flush', '--return', '--command']);
    assert.equal(argv[argv.length - 1], '/dev/null');
    const script = argv[5];
    assert.match(script, /^stty cols 100 rows 30 2>\/dev\/null; exec /);
    // The command part, run by sh as script would, prints the arguments untouched.
    const out = spawnSync('sh', ['-c', script.replace(/^stty[^;]*; /, '')], { encoding: 'utf8' }).stdout;
    assert.equal(out, "it's|a b|$HOME|`x`|");
    assert.doesNotMatch(ttyCommand(['sh'])[5], /stty/, 'no size known: none set');
  });

  it('reads resize messages, back to back or split, and skips malformed ones', () => {
    assert.deepEqual(parseResize('{"Width":80,"Height":24}{"Width":100,"Height":30}'), [
      { Width: 80, Height: 24 },
      { Width: 100, Height: 30 },
    ]);
    assert.deepEqual(parseResize('{"Width":"80","Height":24}{oops}'), []);
  });
});

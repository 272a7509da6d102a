import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/store/index.js';
import { runStoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'podnet-store-'));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

runStoreSuite('memory', () => openStore({ kind: 'memory' }));
runStoreSuite('sqlite', () => openStore({ kind: 'sqlite', path: join(dir, `s${n++}`, 'state.db') }));

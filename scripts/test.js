#!/usr/bin/env node
// Runs podnet's compiled tests with node's own test runner. Usage:
//   node scripts/test.js [unit|integration|e2e|<path>...]   (default: all three suites)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const suites = { unit: 'dist/test/unit', integration: 'dist/test/integration', e2e: 'dist/test/e2e' };
const args = process.argv.slice(2);
const targets = (args.length ? args : Object.keys(suites)).map((a) => suites[a] ?? a).filter((p) => existsSync(p));
const concurrency = process.env.PODNET_TEST_CONCURRENCY ?? '3';
// --test-force-exit: a test file whose event loop stays alive after its last test (a leaked
// handle) must fail its own leak checks, not hang the whole run until CI's time limit.
const r = spawnSync(process.execPath, ['--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...targets], { stdio: 'inherit' });
process.exit(r.status ?? 1);

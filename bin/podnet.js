#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (dist/). `./dev` builds it.
import '../dist/src/cli/main.js';

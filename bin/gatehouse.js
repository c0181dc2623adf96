#!/usr/bin/env node
// The published entry point: the compiled CLI (run `npm run build` first).
import '../dist/src/cli.js';

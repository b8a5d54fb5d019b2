#!/usr/bin/env node
// `jepa-eval` from the installed package: the compiled CLI (pnpm eval in the repository runs its source).
import '../dist/cli/eval.js';

#!/usr/bin/env node
// `jepa-train` from the installed package: the compiled CLI (pnpm train in the repository runs its source).
import '../dist/cli/train.js';

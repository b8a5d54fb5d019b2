#!/usr/bin/env node
// `jepa-encode` from the installed package: the compiled CLI (pnpm encode in the repository runs its source).
import '../dist/cli/encode.js';

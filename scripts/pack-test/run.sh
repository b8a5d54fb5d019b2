#!/usr/bin/env bash
# pnpm test:pack — the packages as a user installs them: pnpm pack:all into a temporary directory
# outside the repository, npm install the four tarballs into a fresh project there (third-party
# deps such as `webgpu` come from the npm registry), then check.mjs runs under plain node.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
work="$(mktemp -d "${TMPDIR:-/tmp}/jepa-pack-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS

pnpm pack:all "$work/tarballs"
mkdir "$work/app"
cd "$work/app"
echo '{ "name": "jepa-pack-test", "private": true, "type": "module" }' > package.json
# The type checks use the TypeScript 5 the repository pins and the newest TypeScript 7 (what
# `npm i -D typescript` installs today), both installed once; @types/node for the examples' node: imports.
ts="$(node -p "require('$repo/node_modules/typescript/package.json').version")"
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/jepa-*.tgz "typescript@$ts" "typescript7@npm:typescript@^7" "@types/node@20"
cp "$repo/scripts/pack-test/"{consumer.ts,tsconfig.json,kernel.mjs} .
cp "$repo/packages/nn/examples/"{own-mlp.mjs,own-transformer.mjs} .
examples=("$repo/packages/tensor/examples/mlp.ts" "$repo/packages/nn/examples/encode.ts" "$repo/packages/jepa/examples/train-and-embed.ts")
cp "${examples[@]}" .
node "$repo/scripts/pack-test/check.mjs" "$PWD" "$repo" "${examples[@]}"
echo "pack test passed in $((SECONDS - t0)) s" >&2

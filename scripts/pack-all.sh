#!/usr/bin/env bash
# pnpm pack:all DIR — a clean build of the four packages, then one npm-installable tarball each in DIR.
# pnpm pack swaps in each package's publishConfig (exports, imports, main, types, bin → dist/) and
# rewrites workspace:* dependencies to the packed versions.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:?usage: pnpm pack:all DIR}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
PACKAGES=(kernels tensor nn jepa)
for p in "${PACKAGES[@]}"; do rm -rf "packages/$p/dist"; done   # no outputs of deleted sources in a tarball
pnpm build
# The repository's LICENSE goes into each tarball (copied for the pack only; git ignores the copies).
trap 'for p in "${PACKAGES[@]}"; do rm -f "packages/$p/LICENSE"; done' EXIT
for p in "${PACKAGES[@]}"; do
  cp LICENSE "packages/$p/LICENSE"
  (cd "packages/$p" && pnpm pack --pack-destination "$dest" >/dev/null)
done
ls -l "$dest"/jepa-*.tgz >&2

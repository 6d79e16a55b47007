#!/usr/bin/env bash
# Installs the Node dependencies with the pinned pnpm and builds the packages. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=12.4.2
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then
  pnpm() { command pnpm "$@"; }
else
  # corepack cannot verify signatures on some machines; npx fetches the pinned pnpm from the registry.
  pnpm() { npx --yes "pnpm@$PNPM_VERSION" "$@"; }
fi
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm -r run build >&2

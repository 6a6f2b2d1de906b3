#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and run berth on the example stack.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f dist/cli/main.js ] && [ -z "$(find src schemas -newer dist/cli/main.js -print -quit)" ] || npm run build --silent

# Until the runtime lands, the example stack is loaded, validated and printed (berth config).
node bin/berth.js -f examples/web-db-cache/compose.yaml config "$@"

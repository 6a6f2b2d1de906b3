#!/usr/bin/env bash
# The main job on a fresh machine: install, build, make the busybox image, and bring up the example stack.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-prerequisites.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f dist/cli/main.js ] && [ -z "$(find src schemas native -newer dist/cli/main.js -print -quit)" ] || npm run build --silent

# The example's services run busybox: berth imports it from Debian's busybox-static (no registry needed).
bash scripts/busybox-image.sh

# Detached and health-gated: returns once web, db and cache are healthy; berthd keeps them supervised.
node bin/berth.js -f examples/web-db-cache/compose.yaml up --wait "$@"
cat <<'TEXT'

The example stack is up: http://127.0.0.1:18080/ (web), with db and cache behind it.
  node bin/berth.js -f examples/web-db-cache/compose.yaml ps      # its containers
  node bin/berth.js -f examples/web-db-cache/compose.yaml logs    # what they printed
  node bin/berth.js -f examples/web-db-cache/compose.yaml down -v # remove it all
TEXT

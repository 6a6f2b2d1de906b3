#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine as root: install what is missing, build, lint, test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-prerequisites.sh

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run build
npm run typecheck
npm run lint
status=0
npx c8 ava || status=$?
# Processes killed at the end of a test may need a moment to be reaped.
sleep 1
# The berth/ cgroup parents the tests' containers shared (runc leaves them; tests never remove them
# while others may be creating containers): removed now that nothing runs.
while IFS=: read -r _ controllers cgroup_path; do
  mount_name=${controllers#name=}
  rmdir "/sys/fs/cgroup/${mount_name:-unified}${cgroup_path%/}/berth" 2>/dev/null || true
done < /proc/self/cgroup
bash scripts/check-leftovers.sh || status=1
exit "$status"

#!/usr/bin/env bash
# After the tests: fail when anything of ours is left on the host (netns, bridge, veth, mount, nft table, process).
set -uo pipefail
problems=()
ns=$(ip netns list 2>/dev/null)
[ -n "$ns" ] && problems+=("network namespaces: $ns")
bridges=$(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -v '^docker0$')
[ -n "$bridges" ] && problems+=("bridges: $bridges")
# The kernel deletes a container's veths with its netns, asynchronously: give it up to 10 s.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  veths=$(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}')
  [ -z "$veths" ] && break
  sleep 1
done
[ -n "$veths" ] && problems+=("veth interfaces: $veths")
mounts=$(awk '$2 ~ /berth/ || ($1 == "overlay" && $2 != "/") {print $2}' /proc/mounts)
[ -n "$mounts" ] && problems+=("mounts: $mounts")
# A failing nft must not pass for an empty list.
if listed=$(nft list tables 2>&1); then
  tables=$(grep -i berth <<< "$listed")
  [ -n "$tables" ] && problems+=("nftables tables: $tables")
else
  problems+=("nft list tables failed: $listed")
fi
# Zombies are skipped: they hold nothing, and one whose parent is not a test is not ours to reap.
procs=$(ps -eo pid,stat,comm 2>/dev/null | awk '$2 !~ /^Z/ && $3 ~ /^(conmon|runc|berthd|tini|tini-static|docker-registry|registry|skopeo)$/')
[ -n "$procs" ] && problems+=("processes: $procs")
if [ ${#problems[@]} -gt 0 ]; then
  echo "check-leftovers: the tests left these behind (a bug in a test or in berth):" >&2
  for problem in "${problems[@]}"; do echo "- $problem" >&2; done
  exit 1
fi
echo "check-leftovers: nothing of ours left on the host"

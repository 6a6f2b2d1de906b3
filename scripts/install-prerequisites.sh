#!/usr/bin/env bash
# Install the Debian packages berth and its tests use, only those that are missing.
set -euo pipefail

packages=(runc conmon tini busybox-static iproute2 nftables skopeo umoci docker-registry openssl tmux dnsutils dnsperf hyperfine)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

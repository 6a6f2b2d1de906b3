#!/usr/bin/env bash
# Put a `busybox:latest` image into berth's store from Debian's busybox-static, unless one is there already.
# Offline on purpose: the example stack must run without Docker Hub. Honours BERTH_ROOT / BERTH_RUN;
# BERTH_CLI replaces the berth command (default: node bin/berth.js, which needs `npm run build`);
# BERTH_BUSYBOX the busybox binary (default /bin/busybox, from the busybox-static package).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
busybox="${BERTH_BUSYBOX:-/bin/busybox}"

berth() {
  if [ -n "${BERTH_CLI:-}" ]; then
    # Word splitting on purpose: BERTH_CLI may be "node --import tsx path/to/entry.ts".
    # shellcheck disable=SC2086
    $BERTH_CLI "$@"
  else
    node "$repo/bin/berth.js" "$@"
  fi
}

if [ -z "${BERTH_CLI:-}" ] && [ ! -f "$repo/dist/cli/main.js" ]; then
  echo "busybox-image: berth is not built (no dist/cli/main.js); run: npm run build" >&2
  exit 1
fi

if berth image inspect busybox:latest >/dev/null 2>&1; then
  exit 0
fi

if [ ! -x "$busybox" ]; then
  echo "busybox-image: $busybox is missing; install Debian's static busybox: apt-get install -y busybox-static" >&2
  exit 1
fi
if ! "$busybox" --list >/dev/null 2>&1; then
  echo "busybox-image: $busybox does not run; reinstall it: apt-get install -y --reinstall busybox-static" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/berth-busybox-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"
chmod 0755 "$rootfs"

# The layout of the official busybox image: every applet a link to /bin/busybox.
mkdir -p "$rootfs"/{bin,etc,root,tmp,var/spool/mail,var/www,home,proc,sys,dev,www,usr/sbin}
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cp "$busybox" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  if [ "$applet" != busybox ]; then ln -s busybox "$rootfs/bin/$applet"; fi
done

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
EOF
printf 'localhost\n' >"$rootfs/etc/hostname"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/hostname"
# Times of the busybox package, not of this run: the same busybox gives the same layer (DiffID).
find "$rootfs" -exec touch -h -d "@$(stat -c %Y "$busybox")" {} +
version="$("$busybox" --help 2>&1 | sed -n '1s/^BusyBox \(v[^ ]*\).*/\1/p' || true)"

id="$(berth image import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["sh"]' \
  -m "busybox ${version:-(unknown version)} from Debian's busybox-static" \
  "$rootfs" busybox:latest)"
echo "busybox-image: imported busybox:latest ($id)"

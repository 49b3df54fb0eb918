#!/usr/bin/env bash
# The .deb end to end: builds it with CPack in its own build directory, checks its control
# fields and contents, installs it with dpkg, runs the installed daemon (-v, and a pool mounted
# from a temporary fstab through /sbin/mount.mergerfs), then purges it and puts back whatever
# it replaced: Debian's mergerfs package, an earlier mergerfs-actors, or loose files at its
# paths. The restore runs from an EXIT trap, and the end state is compared with the start.
#
#   tools/packaging/deb-test.sh [DEB_BUILD_DIR]   (default: build/deb under the source root)
#
# Exit status: 0 passed; else failed (a dpkg lock held by another process for over 2 min too).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/deb}
pkg=mergerfs-actors
replaced=mergerfs
paths=(/usr/bin/mergerfs /usr/bin/mergerfs-ctl /usr/bin/mergerfs-fusermount /sbin/mount.mergerfs)

say() { echo "deb-test: $*"; }
fail() {
  echo "deb-test: FAIL: $*" >&2
  exit 1
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
known() { dpkg-query -W "$1" >/dev/null 2>&1; }

# run_dpkg TRIES ACTION...: retried every 5 s, TRIES times, while another process holds the
# dpkg lock (dpkg_locked tells whether that is why it failed).
dpkg_locked=0
run_dpkg() {
  local out rc tries=$1
  shift
  for _ in $(seq 1 "$tries"); do
    rc=0
    out=$(DEBIAN_FRONTEND=noninteractive dpkg "$@" 2>&1) || rc=$?
    if ((rc != 0)) && grep -qi 'lock' <<<"$out"; then
      dpkg_locked=1
      sleep 5
      continue
    fi
    dpkg_locked=0
    ((rc == 0)) || echo "$out" >&2
    return $rc
  done
  echo "$out" >&2
  return 1
}

fingerprint() {
  for p in "${paths[@]}"; do
    if [ -e "$p" ]; then echo "$p $(sha256sum <"$p" | cut -d' ' -f1)"; else echo "$p absent"; fi
  done
  for p in "$replaced" "$pkg"; do echo "$p $(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || echo none)"; done
}

# ---- build -----------------------------------------------------------------------------------
# Only what the package installs is built (not the tests); a new install() rule for another
# target needs that target added here.
say "building in $build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
CCACHE_NOHASHDIR=1 cmake --build "$build" -j"${JOBS:-2}" --target mergerfs mergerfs-ctl mergerfs-man >/dev/null
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || {
  cat "$build/cpack.log"
  fail "cpack"
}
deb=$(ls "$build"/${pkg}_*.deb)
say "built $(basename "$deb")"

# ---- the package itself ----------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
say "Depends: $(field Depends)"
[ "$(field Package)" = "$pkg" ] || fail "Package is $(field Package)"
dep_names=$(field Depends | tr ',' '\n' | awk '{print $1}')
for dep in libc6 libstdc++6 libfuse3-3 libcaf-core0.17 fuse3; do
  grep -qxF "$dep" <<<"$dep_names" || fail "Depends lacks $dep: $(field Depends)"
done
[ "$(field Conflicts)" = "$replaced" ] || fail "Conflicts: $(field Conflicts)"
[ "$(field Replaces)" = "$replaced" ] || fail "Replaces: $(field Replaces)"
[ "$(field Provides)" = "$replaced" ] || fail "Provides: $(field Provides)"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/mergerfs ./usr/bin/mergerfs-ctl ./sbin/mount.mergerfs \
  ./usr/share/man/man1/mergerfs.1.gz ./usr/lib/systemd/system/mergerfs@.service \
  ./usr/share/doc/mergerfs-actors/examples/pool.conf.example; do
  grep -qx "$f" <<<"$contents" || fail "$f is not in the package"
done

# ---- keep what the install will replace --------------------------------------------------------
work=$(mktemp -d /tmp/mfs-deb-test.XXXXXX)
before=$(fingerprint)
saved=()
changed=0
pool_mounts=()
restore() {
  local rc=$?
  set +e
  for m in "${pool_mounts[@]}"; do mountpoint -q "$m" && umount -l "$m"; done
  if ((changed)); then
    if known "$pkg"; then run_dpkg 60 --purge "$pkg" || say "purge of $pkg failed"; fi
    for p in "${saved[@]}"; do
      installed "$p" || run_dpkg 60 -i "$work/$p.deb" || say "reinstalling $p failed"
    done
    (cd "$work/loose" && find . -type f -o -type l) | while read -r f; do cp -a "$work/loose/$f" "/${f#./}"; done
  fi
  local after
  after=$(fingerprint)
  if [ "$after" != "$before" ]; then
    echo "deb-test: the machine was NOT restored. Before:" >&2
    echo "$before" >&2
    echo "After:" >&2
    echo "$after" >&2
    rc=1
  else
    say "restored: $(tr '\n' ';' <<<"$after")"
  fi
  rm -rf "$work"
  exit $rc
}
trap restore EXIT
trap 'exit 130' INT TERM HUP

# A copy of an installed package: the apt cache, the archive, or rebuilt from its files.
save_package() {
  local name=$1 out=$2 version arch
  version=$(dpkg-query -W -f='${Version}' "$name")
  arch=$(dpkg-query -W -f='${Architecture}' "$name")
  if cp "/var/cache/apt/archives/${name}_${version#*:}_${arch}.deb" "$out" 2>/dev/null; then return 0; fi
  if (cd "$work" && apt-get download -q "$name=$version" >/dev/null 2>&1); then
    mv "$work/${name}_"*.deb "$out" && return 0
  fi
  local root="$work/repack-$name"
  mkdir -p "$root/DEBIAN"
  dpkg-query -s "$name" | awk '/^[A-Za-z-]+:/{skip=($1=="Status:"||$1=="Conffiles:")} !skip' >"$root/DEBIAN/control"
  while IFS= read -r f; do
    if [ -d "$f" ]; then mkdir -p "$root$f"  # /sbin may be a symlink to usr/sbin: a directory here
    elif [ -e "$f" ] || [ -L "$f" ]; then mkdir -p "$root$(dirname "$f")" && cp -a "$f" "$root$f"; fi
  done < <(dpkg -L "$name")
  dpkg-deb -b "$root" "$out" >/dev/null
}

for p in "$replaced" "$pkg"; do
  if installed "$p"; then
    save_package "$p" "$work/$p.deb" || fail "cannot keep a copy of the installed $p; not touching it"
    saved+=("$p")
    say "kept a copy of the installed $p"
  fi
done
mkdir -p "$work/loose"
for p in "${paths[@]}"; do
  if [ -e "$p" ] && ! dpkg -S "$p" >/dev/null 2>&1; then
    mkdir -p "$work/loose$(dirname "$p")" && cp -a "$p" "$work/loose$p"
    say "kept loose file $p"
  fi
done

# ---- install and use it --------------------------------------------------------------------------
changed=1
if ! run_dpkg 24 -i "$deb"; then
  ((dpkg_locked)) && {
    changed=0
    fail "dpkg is locked by another process (waited 2 min)"
  }
  fail "dpkg -i $deb"
fi
installed "$pkg" || fail "$pkg is not installed after dpkg -i"
! installed "$replaced" || fail "Debian's $replaced is still installed next to $pkg"
version=$(/usr/bin/mergerfs -v)
say "installed: $version"
grep -q "actor edition" <<<"$version" || fail "/usr/bin/mergerfs -v: $version"
/usr/bin/mergerfs-ctl --version >/dev/null || fail "mergerfs-ctl --version"
grep -q "^# mount.mergerfs:" /sbin/mount.mergerfs || fail "/sbin/mount.mergerfs is not ours"
zcat /usr/share/man/man1/mergerfs.1.gz | grep -q "branches\\\\-mount\\\\-timeout" || fail "man page"
unit=/usr/lib/systemd/system/mergerfs@.service
grep -qx "ExecStart=/usr/bin/mergerfs -o config=/etc/mergerfs/%i.conf" "$unit" || fail "ExecStart in $unit"
if command -v systemd-analyze >/dev/null; then
  cp "$unit" "$work/mergerfs@test.service"
  out=$(systemd-analyze verify --man=no "$work/mergerfs@test.service" 2>&1) || fail "systemd-analyze verify: $out"
  ! grep -q "mergerfs@" <<<"$out" || fail "systemd-analyze verify: $out"
fi

# A pool from a temporary fstab through the installed helper and daemon.
mkdir -p "$work/disk1" "$work/disk2" "$work/pool"
echo one >"$work/disk1/one"
echo "$work/disk*  $work/pool  mergerfs  nofail,_netdev,category.create=mfs  0 0" >"$work/fstab"
pool_mounts+=("$work/pool")
env -u MERGERFS_BIN mount -T "$work/fstab" "$work/pool" || fail "mount through /sbin/mount.mergerfs"
pid=$(getfattr --only-values -n user.mergerfs.pid "$work/pool/.mergerfs" 2>/dev/null)
[ "$(readlink "/proc/$pid/exe")" = /usr/bin/mergerfs ] || fail "the pool runs $(readlink "/proc/$pid/exe")"
[ "$(cat "$work/pool/one")" = one ] || fail "reading through the pool"
umount "$work/pool" || fail "umount"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$pid" 2>/dev/null || fail "the daemon did not exit after umount"
say "PASS"

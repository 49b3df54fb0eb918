#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need. Safe to run twice.
set -euo pipefail
pkgs=(cmake g++ make pkg-config ccache libfuse3-dev fuse3 libcaf-dev libcli11-dev
      libgtest-dev nlohmann-json3-dev attr fio python3 util-linux rsync python3-prometheus-client
      mount dpkg-dev file clang)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${missing[@]}" || { $SUDO apt-get update -q && $SUDO apt-get install -y -q "${missing[@]}"; }
fi
[ -e /dev/fuse ] || { echo "setup: /dev/fuse is missing; load the fuse module (modprobe fuse)" >&2; exit 1; }

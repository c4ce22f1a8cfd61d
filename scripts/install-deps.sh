#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages hvscope needs to build, test
# and run its lab guest. Only missing packages are installed; apt-get update
# runs only when something is missing. Must run as root (or with sudo).
set -euo pipefail

pkgs=(
	# build
	gcc clang libclang-rt-dev meson ninja-build pkg-config
	libbpf-dev libelf-dev zlib1g-dev libjson-c-dev libssl-dev
	# tests
	libcmocka-dev python3
	# the lab guest (lab/build-guest.sh, lab/run-guest.sh)
	qemu-system-x86 busybox-static cpio e2fsprogs kmod xz-utils zstd
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "hvscope: installing ${missing[*]}" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

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
	# the case database (src/case); the sqlite3 shell re-verifies a case by hand (docs/case.md) and in tests
	libsqlite3-dev sqlite3
	# memory acquisition: zstd-compressed images (src/mem/acquire.c); crash reads them in its e2e check
	libzstd-dev crash
	# vulnerability data (src/vuln): NVD API sync over HTTPS; the sync tests serve pages from python3 on 127.0.0.1
	libcurl4-openssl-dev
	# Volatility ISF files compressed with xz (--isf FILE.json.xz; src/types/isf.c; .gz uses zlib1g-dev)
	liblzma-dev
	# YARA rules over guest memory (hvscope triage --yara; src/triage/yara.c)
	libyara-dev
	# inline hooks at the start of kernel functions are found by disassembling them (src/triage/inline-hooks.c)
	libcapstone-dev
	# the report's end-to-end test renders it in headless Chromium (tests/e2e/check_report.py)
	chromium chromium-driver python3-selenium fonts-dejavu-core
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

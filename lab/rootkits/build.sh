#!/bin/bash
# Build lab kernel modules (the rootkits of the triage scenarios) out of tree
# for a lab kernel, against Debian's own headers for it.
#
#   - reads the kernel release from lab/out/manifest-<series> (KVER, KPKG_VERSION),
#   - apt-get downloads linux-headers-<kver>, linux-headers-<abi>-common and
#     linux-kbuild-<...> of the same version into out/debs/ and unpacks them
#     into out/headers-<kver>/ once (a cache, made under a temporary name and
#     renamed, so concurrent builds do not race),
#   - builds each MODULE.c in a private temporary directory with
#     make -C <headers>/usr/src/linux-headers-<kver> M=<tmp> modules,
#   - installs MODULE.ko, without debug info, into out/rootkits/<kver>/
#     (temporary name + rename) and prints its path, one per line.
# About 2 s per module. lab/rootkits/insmod.sh loads one into a running guest.
#
# Usage: lab/rootkits/build.sh [--kernel SERIES] [--print-headers] MODULE...
#   MODULE: a name (hide_proc) or a path to a .c file (lab/rootkits/hide_proc.c)
#   --kernel: 6.1 (default) or 6.12, as lab/build-guest.sh
#   --print-headers: only make sure the headers are there and print their directory
# Modules get no BTF of their own (CONFIG_DEBUG_INFO_BTF_MODULES is turned
# off for the build: it needs pahole and a vmlinux, neither is needed here).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$(cd "$HERE/.." && pwd)
OUT=${HVS_LAB_DIR:-$LAB/out}
SERIES=6.1
PRINT_HEADERS=0
MODS=()

usage() {
	sed -n '2,22s/^# \{0,1\}//p' "$0"
	exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) SERIES=${2:?--kernel needs a series such as 6.1 or 6.12}; shift ;;
	--print-headers) PRINT_HEADERS=1 ;;
	-h | --help) usage 0 ;;
	-*) echo "rootkits/build: unknown option $1" >&2; usage 2 ;;
	*) MODS+=("$1") ;;
	esac
	shift
done
[[ $SERIES =~ ^[0-9]+\.[0-9]+$ ]] || { echo "rootkits/build: bad series $SERIES" >&2; exit 2; }
[[ $PRINT_HEADERS == 1 || ${#MODS[@]} -gt 0 ]] || usage 2

log() { echo "rootkits/build: $*" >&2; }

CLEANUP=()
cleanup() { [[ ${#CLEANUP[@]} -eq 0 ]] || rm -rf "${CLEANUP[@]}"; }
trap cleanup EXIT

MANIFEST=$OUT/manifest-$SERIES
[[ -r $MANIFEST ]] || { log "no $MANIFEST: run lab/build-guest.sh --kernel $SERIES first"; exit 1; }
KVER=$(sed -n 's/^KVER=//p' "$MANIFEST")
ABI=$(sed -n 's/^ABI=//p' "$MANIFEST")
PKGVER=$(sed -n 's/^KPKG_VERSION=//p' "$MANIFEST")
[[ -n $KVER && -n $ABI && -n $PKGVER ]] || { log "$MANIFEST lacks KVER, ABI or KPKG_VERSION"; exit 1; }

# The compiler the kernel was built with (CONFIG_CC_VERSION_TEXT names
# gcc-12 for both lab kernels); modules must be built with the same one.
ensure_tools() {
	local -a missing=()
	command -v gcc-12 >/dev/null 2>&1 || missing+=(gcc-12)
	command -v make >/dev/null 2>&1 || missing+=(make)
	command -v dpkg-deb >/dev/null 2>&1 || missing+=(dpkg)
	# The headers' scripts (modpost, objtool) link against libelf at run time.
	[[ -e /usr/lib/x86_64-linux-gnu/libelf.so.1 ]] || missing+=(libelf1)
	if [[ ${#missing[@]} -gt 0 ]]; then
		log "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
	fi
}

# apt-get download PKG=VER into out/debs (cached); prints the .deb path.
fetch_deb() {
	local pkg=$1 ver=$2 deb
	mkdir -p "$OUT/debs"
	deb=$(ls "$OUT/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [[ -z $deb || ! -s $deb ]]; then
		log "downloading $pkg $ver"
		local tmp
		tmp=$(mktemp -d "$OUT/debs/.dl.XXXXXX")
		CLEANUP+=("$tmp")
		chmod 755 "$tmp"
		(cd "$tmp" && apt-get download "$pkg=$ver" 2> >(grep -v 'unsandboxed as root' >&2) >&2)
		local f
		for f in "$tmp"/*.deb; do
			[[ -s $f ]] || { log "download of $pkg failed"; return 1; }
			mv -f "$f" "$OUT/debs/"
			deb="$OUT/debs/$(basename "$f")"
		done
	fi
	[[ -s $deb ]] || { log "download of $pkg failed"; return 1; }
	echo "$deb"
}

# out/headers-<kver>/ with usr/src/linux-headers-<kver> (and -common, and
# the kbuild tools its symlinks point to).
# The amd64 package's Makefile includes the -common one by absolute path
# (/usr/src/linux-headers-<abi>-common). Point it at the copy beside it, by a
# path relative to the Makefile itself, so that the cache stays valid when the
# checkout moves (caches of older versions wrote an absolute path: fix those).
relative_include() {
	sed -i -E 's|^include .*/(linux-headers-[^/]*-common/Makefile)$|include $(dir $(lastword $(MAKEFILE_LIST)))../\1|' "$1"
}

ensure_headers() {
	local dir=$OUT/headers-$KVER
	if [[ -f $dir/.headers-ok ]]; then
		relative_include "$dir/usr/src/linux-headers-$KVER/Makefile"
		echo "$dir"
		return 0
	fi
	apt-get -qq update >/dev/null 2>&1 || true
	# linux-kbuild-6.1 for the 6.1 series, linux-kbuild-<abi> for 6.12 (bpo).
	local kbuild
	for kbuild in "linux-kbuild-$ABI" "linux-kbuild-$SERIES"; do
		apt-cache show "$kbuild=$PKGVER" >/dev/null 2>&1 && break
		kbuild=
	done
	[[ -n $kbuild ]] || { log "no linux-kbuild package of version $PKGVER"; return 1; }
	local -a debs=()
	debs+=("$(fetch_deb "linux-headers-$KVER" "$PKGVER")")
	debs+=("$(fetch_deb "linux-headers-$ABI-common" "$PKGVER")")
	debs+=("$(fetch_deb "$kbuild" "$PKGVER")")
	local tmp
	tmp=$(mktemp -d "$OUT/.headers-$KVER.XXXXXX")
	CLEANUP+=("$tmp")
	chmod 755 "$tmp"
	local d
	for d in "${debs[@]}"; do
		log "unpacking $(basename "$d")"
		dpkg-deb -x "$d" "$tmp"
	done
	[[ -f $tmp/usr/src/linux-headers-$KVER/Makefile ]] || { log "headers for $KVER incomplete"; return 1; }
	relative_include "$tmp/usr/src/linux-headers-$KVER/Makefile"
	echo "$KVER" >"$tmp/.headers-ok"
	# Another build may have won the race: keep theirs.
	if ! mv -T "$tmp" "$dir" 2>/dev/null; then
		[[ -f $dir/.headers-ok ]] || { log "cannot install $dir"; return 1; }
	fi
	echo "$dir"
}

ensure_tools
HDIR=$(ensure_headers)
KDIR=$HDIR/usr/src/linux-headers-$KVER
if [[ $PRINT_HEADERS == 1 ]]; then
	echo "$KDIR"
	[[ ${#MODS[@]} -gt 0 ]] || exit 0
fi

DEST=$OUT/rootkits/$KVER
mkdir -p "$DEST"
for m in "${MODS[@]}"; do
	src=$m
	[[ $src == *.c ]] || src=$HERE/$m.c
	[[ -r $src ]] || { log "no source $src"; exit 1; }
	name=$(basename "$src" .c)
	work=$(mktemp -d "/tmp/hvs-rootkit-$name.XXXXXX")
	CLEANUP+=("$work")
	cp "$src" "$work/"
	echo "obj-m := $name.o" >"$work/Kbuild"
	log "building $name.ko for $KVER"
	if ! make -s -C "$KDIR" M="$work" CC=gcc-12 CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		log "build of $name failed"
		exit 1
	fi
	grep -v '^\s*$' "$work/build.log" | grep -iv 'skipping BTF\|was built with\|You are using' >&2 || true
	tmpko=$(mktemp "$DEST/.$name.ko.XXXXXX")
	# Without debug info: 10 to 20 KiB instead of 200 to 300 KiB, for the serial console.
	strip --strip-debug -o "$tmpko" "$work/$name.ko"
	chmod 644 "$tmpko"
	mv -f "$tmpko" "$DEST/$name.ko"
	echo "$DEST/$name.ko"
done

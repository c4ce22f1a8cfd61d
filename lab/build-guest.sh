#!/bin/bash
# Build the hvscope lab guest from Debian packages:
#   - the current Debian kernel of a series (default 6.1): bzImage + an
#     uncompressed vmlinux ELF extracted from it,
#   - a busybox initramfs with the virtio/ext4 modules and a custom /init,
#   - a 32 MiB raw ext4 data disk,
#   - a manifest (key=value) describing all of it for lab/run-guest.sh.
# Everything goes to ${HVS_LAB_DIR:-<repo>/lab/out}; downloads and the
# unpacked kernel are cached there, so re-running is cheap.
#
# Usage: lab/build-guest.sh [--kernel SERIES] [--print-dir]
set -euo pipefail

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${HVS_LAB_DIR:-$LAB/out}
PY=/usr/bin/python3
DEFAULT_SERIES=6.1
SERIES=$DEFAULT_SERIES
# Modules the guest needs (their dependencies are added automatically).
WANT_MODULES=(virtio_pci virtio_blk virtio_net ext4)

usage() {
	sed -n '2,12s/^# \{0,1\}//p' "$0"
	exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) SERIES=${2:?--kernel needs a series such as 6.1 or 6.12}; shift ;;
	--print-dir) echo "$OUT"; exit 0 ;;
	-h | --help) usage 0 ;;
	*) echo "build-guest: unknown argument $1" >&2; usage 2 ;;
	esac
	shift
done
[[ $SERIES =~ ^[0-9]+\.[0-9]+$ ]] || { echo "build-guest: bad series $SERIES" >&2; exit 2; }

log() { echo "build-guest: $*" >&2; }

# Temporary directories, removed on exit whatever happens.
CLEANUP=()
cleanup() { [[ ${#CLEANUP[@]} -eq 0 ]] || rm -rf "${CLEANUP[@]}"; }
trap cleanup EXIT

# ---------------------------------------------------------------- host tools
# A fresh machine has nothing: install what is missing (needs root).
ensure_tools() {
	local -a missing=()
	local pair
	for pair in apt-get:apt dpkg-deb:dpkg /bin/busybox:busybox-static cpio:cpio \
		mkfs.ext4:e2fsprogs depmod:kmod xz:xz-utils zstd:zstd gzip:gzip \
		"$PY":python3; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || [[ -x ${pair%%:*} ]] ||
			missing+=("${pair#*:}")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		log "installing ${missing[*]}"
		apt_ready
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
	fi
}

# apt-cache needs package lists; fetch them once if there are none.
APT_UPDATED=0
apt_ready() {
	local policy
	policy=$(apt-cache policy linux-image-amd64 2>/dev/null || true)
	if [[ $APT_UPDATED == 0 && $policy != *"Candidate: "[0-9]* ]]; then
		log "apt-get update"
		apt-get update -qq >&2
	fi
	APT_UPDATED=1
}

# ---------------------------------------------------------------- kernel
# Print the package name of the current kernel of $SERIES, e.g.
# linux-image-6.1.0-56-amd64 or linux-image-6.12.107+deb12-amd64.
discover_kernel_pkg() {
	local re=${SERIES//./\\.} pkg
	# Names: 6.1.0-NN-amd64 (6.1 series), 6.12.NN+deb12-amd64 (backported series).
	local name_re="^linux-image-${re}(\\.[0-9]+)*(-[0-9]+)?(\\+deb[0-9]+)?-amd64\$"
	apt_ready
	# The meta package points at the distribution's default kernel.
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" {print $2}' | grep -E "$name_re" | head -n1 || true)
	if [[ -z $pkg ]]; then
		# Other series (e.g. 6.12): the newest matching signed image package.
		pkg=$(apt-cache pkgnames linux-image- | grep -E "$name_re" | sort -V | tail -n1 || true)
	fi
	[[ -n $pkg ]] || { log "no linux-image package found for series $SERIES"; return 1; }
	echo "$pkg"
}

fetch_kernel() {
	local pkg=$1 ver deb
	mkdir -p "$OUT/debs"
	ver=$(apt-cache show --no-all-versions "$pkg" | awk '/^Version:/ {print $2; exit}')
	deb="$OUT/debs/${pkg}_${ver//:/%3a}_amd64.deb"
	if [[ ! -s $deb ]]; then
		log "downloading $pkg $ver"
		# apt-get download writes into the current directory. As root it warns
		# that the _apt user cannot write there; that is harmless.
		(cd "$OUT/debs" && apt-get download "$pkg=$ver" 2> >(grep -v 'unsandboxed as root' >&2) >&2)
	fi
	[[ -s $deb ]] || { log "download of $pkg failed"; return 1; }
	echo "$deb"
}

# Unpack the kernel package (no install), extract vmlinux, run depmod.
prepare_kernel() {
	local deb=$1 kdir=$2 kver=$3 root
	root="$kdir/root"
	if [[ -f $kdir/.kernel-ok && $(cat "$kdir/.kernel-ok") == "$(basename "$deb")" ]]; then
		log "kernel $kver cached in $kdir"
		return 0
	fi
	log "unpacking $(basename "$deb")"
	rm -rf "$root" "$kdir/.kernel-ok"
	mkdir -p "$root"
	dpkg-deb -x "$deb" "$root"
	cp "$root/boot/vmlinuz-$kver" "$kdir/bzImage"
	cp "$root/boot/config-$kver" "$kdir/config"
	cp "$root/boot/System.map-$kver" "$kdir/System.map" # Debian ships a stub
	"$PY" "$LAB/labtool.py" extract-vmlinux "$kdir/bzImage" "$kdir/vmlinux" >&2
	# The package does not ship modules.dep (its postinst runs depmod).
	depmod -b "$root" "$kver"
	basename "$deb" >"$kdir/.kernel-ok"
}

# ---------------------------------------------------------------- initramfs
build_initramfs() {
	local kdir=$1 kver=$2 out=$3 stage moddir rel name
	moddir="$kdir/root/lib/modules/$kver"
	stage=$(mktemp -d "$kdir/initramfs.XXXXXX")
	CLEANUP+=("$stage")

	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,data,root,www,lib/modules}
	chmod 1777 "$stage/tmp"
	chmod 700 "$stage/root"
	cp /bin/busybox "$stage/bin/busybox"
	# Applet symlinks (busybox --list-full prints paths like usr/bin/wget).
	while read -r rel; do
		[[ -e $stage/$rel || -L $stage/$rel ]] || ln -s /bin/busybox "$stage/$rel"
	done < <(/bin/busybox --list-full | grep -v '^linuxrc$')

	# Modules: dependency closure in load order; decompress on the host since
	# busybox insmod may not read .ko.xz / .ko.zst.
	: >"$stage/lib/modules/load-order"
	while read -r rel; do
		name=$(basename "$rel")
		case $name in
		*.ko.xz) xz -dc "$moddir/$rel" >"$stage/lib/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$moddir/$rel" >"$stage/lib/modules/${name%.zst}"; name=${name%.zst} ;;
		*.ko.gz) gzip -dc "$moddir/$rel" >"$stage/lib/modules/${name%.gz}"; name=${name%.gz} ;;
		*.ko) cp "$moddir/$rel" "$stage/lib/modules/$name" ;;
		*) log "unexpected module file $rel"; return 1 ;;
		esac
		echo "$name" >>"$stage/lib/modules/load-order"
	done < <("$PY" "$LAB/labtool.py" modclosure "$moddir" "${WANT_MODULES[@]}")
	log "modules: $(tr '\n' ' ' <"$stage/lib/modules/load-order")"

	install -m 755 "$LAB/guest/init" "$stage/init"
	install -m 755 "$LAB/guest/hvs-labd" "$stage/usr/sbin/hvs-labd"
	install -m 644 "$LAB/guest/shrc" "$stage/etc/hvs-shrc"
	install -m 644 "$LAB/guest/www/index.html" "$stage/www/index.html"
	echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
	echo "root:x:0:" >"$stage/etc/group"
	echo "hvs-lab" >"$stage/etc/hostname"

	# newc archive owned by root, sorted for a reproducible result; a temp
	# name of its own so that concurrent builds never share one.
	local tmp
	tmp=$(mktemp "$out.XXXXXX")
	CLEANUP+=("$tmp")
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$tmp"
	chmod 644 "$tmp"
	mv -f "$tmp" "$out"
}

# ---------------------------------------------------------------- data disk
build_disk() {
	local out=$1 stage
	stage=$(mktemp -d "$(dirname "$out")/disk.XXXXXX")
	CLEANUP+=("$stage")
	cp -a "$LAB/guest/data/." "$stage/"
	# A known binary pattern: byte i is i mod 251 (64 KiB).
	"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(65536)))' \
		>"$stage/pattern.bin"
	local tmp
	tmp=$(mktemp "$out.XXXXXX")
	CLEANUP+=("$tmp")
	# -d fills the file system from a directory: no root, no loop mount.
	mkfs.ext4 -q -F -L hvs-data -U 6876732d-6c61-6200-0000-000000000001 \
		-E root_owner=0:0 -d "$stage" "$tmp" 32M >/dev/null
	chmod 644 "$tmp"
	mv -f "$tmp" "$out"
}

# ---------------------------------------------------------------- main
main() {
	local start pkg kver abi deb kdir manifest
	start=$(date +%s)
	ensure_tools
	mkdir -p "$OUT"
	pkg=$(discover_kernel_pkg)
	kver=${pkg#linux-image-} # what uname -r will say, e.g. 6.1.0-56-amd64
	abi=${kver%-amd64}       # Debian kernel ABI, e.g. 6.1.0-56
	log "series $SERIES -> $pkg (ABI $abi)"
	deb=$(fetch_kernel "$pkg")
	kdir="$OUT/$kver"
	mkdir -p "$kdir"
	prepare_kernel "$deb" "$kdir" "$kver"
	build_initramfs "$kdir" "$kver" "$kdir/initramfs.cpio.gz"
	build_disk "$kdir/data.ext4"

	manifest=$(mktemp "$OUT/manifest.XXXXXX")
	CLEANUP+=("$manifest")
	cat >"$manifest" <<-EOF
		SERIES=$SERIES
		KVER=$kver
		ABI=$abi
		KPKG=$pkg
		KPKG_VERSION=$(dpkg-deb -f "$deb" Version)
		BZIMAGE=$kdir/bzImage
		VMLINUX=$kdir/vmlinux
		SYSTEM_MAP=$kdir/System.map
		KCONFIG=$kdir/config
		MODULES=$kdir/root/lib/modules/$kver
		INITRD=$kdir/initramfs.cpio.gz
		DISK=$kdir/data.ext4
	EOF
	chmod 644 "$manifest"
	# manifest-SERIES for each series; plain "manifest" (what run-guest.sh
	# uses without --kernel) only for the default series.
	[[ $SERIES != "$DEFAULT_SERIES" ]] || cp "$manifest" "$OUT/manifest"
	mv -f "$manifest" "$OUT/manifest-$SERIES"
	log "done in $(($(date +%s) - start)) s; manifest: $OUT/manifest-$SERIES"
	cat "$OUT/manifest-$SERIES"
}

main

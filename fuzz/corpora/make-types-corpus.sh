#!/bin/sh
# Regenerate the seed corpora of fuzz-kallsyms, fuzz-btf and fuzz-profile
# (fuzz/corpora/{kallsyms,btf,profile}/) from the test fixtures.
# Usage: fuzz/corpora/make-types-corpus.sh [BUILD_DIR]   (default: build)
# BUILD_DIR must hold a built libhvscope layer set (ninja -C BUILD_DIR src/types/libhvs-types.a).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=gnu11 -O1 -D_GNU_SOURCE -I"$root/include" -I"$root/src" -I"$root/tests/fixtures" \
        -o "$tmp/gen" "$here/make-types-corpus.c" "$root/tests/fixtures/fake_kallsyms.c" \
        "$build/src/types/libhvs-types.a" "$build/src/mem/libhvs-mem.a" "$build/src/util/libhvs-util.a" \
        -lbpf -lelf -lz -ljson-c -lcrypto -lpthread
rm -rf "$here/kallsyms" "$here/btf" "$here/profile"
"$tmp/gen" "$here"
find "$here/kallsyms" "$here/btf" "$here/profile" -type f -size +255k -print | grep . && {
        echo "corpus file over 256 KiB" >&2; exit 1; } || true
echo "wrote $(find "$here/kallsyms" "$here/btf" "$here/profile" -type f | wc -l) files"

#!/bin/sh
# startup-libs.sh HVSCOPE - hvscope does not link libcurl: only 'vuln sync'
# uses it and loads it with dlopen() (src/vuln/sync.c); linked, it cost every
# process (every view, every acquisition) ~3 ms of start-up for loading and
# relocating libcurl and its TLS/Kerberos/LDAP/SSH/HTTP2 dependencies.
set -eu
command -v readelf >/dev/null 2>&1 || { echo "SKIP: readelf not installed"; exit 77; }
needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
if echo "$needed" | grep -q '^libcurl'; then
	echo "FAIL hvscope links libcurl"
	exit 1
fi
echo "ok   libcurl is not linked"

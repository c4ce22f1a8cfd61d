#!/usr/bin/env bash
# Bad targets give one line on stderr, nothing on stdout, and exit status 1:
# a live VM that is not running Linux (QEMU stopped at reset, RAM shared), a VM
# whose RAM is not in a shared file (plain -m), a QMP path that is not a
# socket, a PID that does not exist, an empty dump, a directory, bad options.
# Stops only the QEMUs it started (by their pidfiles) and removes its files,
# pass or fail. Skips (77) without qemu-system-x86_64.
set -uo pipefail
HVSCOPE=$1
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64: skipped"; exit 77; }

dir=$(mktemp -d /tmp/hvs-cli-errors.XXXXXX)
ram=/dev/shm/hvs-cli-errors-$$.ram
cleanup() {
	for pf in "$dir"/*.pid; do
		[ -f "$pf" ] || continue
		pid=$(cat "$pf")
		if [ -n "$pid" ] && grep -qa "$dir" "/proc/$pid/cmdline" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -9 "$pid" 2>/dev/null
		fi
	done
	rm -rf "$dir" "$ram"
}
trap cleanup EXIT

passed=0 failed=0
expect_error() {        # expect_error LABEL PATTERN ARGS...
	local label=$1 pattern=$2
	shift 2
	local out err rc
	out=$("$HVSCOPE" "$@" 2>"$dir/err")
	rc=$?
	err=$(cat "$dir/err")
	if [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
		[[ "$err" == hvscope:* ]] && [[ "$err" =~ $pattern ]]; then
		echo "ok   $label: $err"
		passed=$((passed + 1))
	else
		echo "FAIL $label (exit $rc, stdout '${out:0:80}', stderr '$err', wanted /$pattern/)"
		failed=$((failed + 1))
	fi
}

wait_socket() {
	for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done
	return 1
}

# A VM with shared RAM that never ran any guest code (-S: stopped at reset).
qemu-system-x86_64 -S -display none -nodefaults -accel tcg -m 64M \
	-machine q35,memory-backend=mem \
	-object memory-backend-file,id=mem,size=64M,mem-path="$ram",share=on \
	-qmp unix:"$dir/shared.sock",server=on,wait=off \
	-daemonize -pidfile "$dir/shared.pid" || exit 1
# A VM whose RAM is anonymous memory (what QEMU does without a memory backend).
qemu-system-x86_64 -S -display none -nodefaults -accel tcg -m 64M -machine q35 \
	-qmp unix:"$dir/plain.sock",server=on,wait=off \
	-daemonize -pidfile "$dir/plain.pid" || exit 1
wait_socket "$dir/shared.sock" && wait_socket "$dir/plain.sock" || { echo "QEMU did not start"; exit 1; }

expect_error "live VM that is not running Linux" "not a Linux guest" ps --vm "$dir/shared.sock" --no-cache
expect_error "the same VM by QEMU's PID" "not a Linux guest" ps --pid "$(cat "$dir/shared.pid")" --no-cache
expect_error "VM without shared RAM" "memory-backend-file|share" ps --vm "$dir/plain.sock"
expect_error "QMP path that is a regular file" "not a socket" ps --vm "$dir/shared.pid"
expect_error "PID that does not exist" "." ps --pid 999999999
expect_error "PID that is not a number" "invalid --pid" ps --pid abc
: >"$dir/empty.img"
expect_error "empty dump" "." ps --image "$dir/empty.img"
expect_error "directory as dump" "." ps --image "$dir"
expect_error "unknown command" "unknown command" frobnicate
expect_error "unexpected argument" "unexpected argument" ps --image "$dir/empty.img" extra

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/python3
"""Run a command in the lab guest's root shell over its serial console socket.

As a module:
    from guest_exec import guest_exec
    rc, out = guest_exec("/tmp/hvs-lab-t1/serial.sock", "uname -r", timeout=30)

As a program (lab/guest-exec):
    guest-exec [--serial SOCK | --name NAME] [--timeout S] -- COMMAND...

How it works: the guest shell runs with `stty -echo` and a plain prompt. We send
one line:
    printf '__HVS_B_%s__\\n' NONCE; ( eval "$(echo B64 | base64 -d)" ) </dev/null 2>&1;
    printf '__HVS_E_%s_%d__\\n' NONCE $?
The command travels base64-encoded, so quotes, newlines and comments in it are
safe; it runs in a subshell, so `exit`, `cd` or `set -e` cannot break the console
shell; stdin is /dev/null so it cannot eat our later input; stderr is merged into
the output (a serial line has one stream). The markers are assembled by printf,
so if the terminal did echo our input, the echoed text would not match them.
Everything between the markers is the output; the terminal's CRLF becomes LF.
Calls on the same socket are serialized with a lock file (SOCK.lock), because the
QEMU socket chardev serves one client at a time.
"""
import argparse
import base64
import fcntl
import os
import re
import secrets
import socket
import sys
import time

# Longest base64 text sent on one line; the guest shell reads lines of at most
# 1023 bytes (busybox ash without line editing), the tty accepts 4095.
_CHUNK = 600
_KILL_LINE = b"\x15"  # ^U: discards a half-typed line left in the tty by someone else
_INTERRUPT = b"\x03"  # ^C: SIGINT to the foreground job (the shell has job control)


class GuestExecError(Exception):
    """The guest shell could not be reached or did not answer in time."""


class GuestExecTimeout(GuestExecError):
    pass


def serial_socket_for(name):
    """Serial socket of the lab VM NAME started by lab/run-guest.sh."""
    return os.path.join(os.environ.get("HVS_RUN_DIR", "/tmp"), "hvs-lab-" + name, "serial.sock")


class _Conn:
    def __init__(self, sock_path, deadline):
        self.deadline = deadline
        self.buf = b""
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(max(0.1, deadline - time.monotonic()))
        self.s.connect(sock_path)

    def send(self, data):
        self.s.sendall(data)

    def wait_for(self, regex):
        """Read until regex matches the received bytes; return the match."""
        while True:
            m = regex.search(self.buf)
            if m:
                return m
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise GuestExecTimeout("timed out waiting for the guest shell")
            self.s.settimeout(left)
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                raise GuestExecTimeout("timed out waiting for the guest shell") from None
            if not data:
                raise GuestExecError("serial socket closed by QEMU")
            self.buf += data

    def close(self):
        self.s.close()


def guest_exec_bytes(sock_path, cmd, timeout=30.0):
    """Run cmd (str or bytes) in the guest; return (exit status, output bytes).

    Raises GuestExecTimeout if no result arrived within timeout seconds (the
    command is then interrupted with ^C), GuestExecError if the socket fails.
    """
    if isinstance(cmd, str):
        cmd = cmd.encode()
    deadline = time.monotonic() + timeout
    nonce = secrets.token_hex(8)
    b64 = base64.b64encode(cmd).decode()
    try:
        lock_fd = os.open(sock_path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise GuestExecError("cannot use %s: %s" % (sock_path, e)) from None
    try:
        # Serialize with other callers on this socket (blocking, within the timeout).
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise GuestExecTimeout("serial console busy (locked by another caller)") from None
                time.sleep(0.02)
        try:
            conn = _Conn(sock_path, deadline)
        except OSError as e:
            raise GuestExecError("cannot connect to %s: %s" % (sock_path, e)) from None
        try:
            conn.send(_KILL_LINE)
            if len(b64) <= _CHUNK:
                source = "echo %s | base64 -d" % b64
            else:
                # Long command: pass it through a file, one acknowledged chunk per line.
                tmp = "/tmp/.hvs-exec-" + nonce
                for i in range(0, len(b64), _CHUNK):
                    conn.send(("printf %%s %s >>%s; printf '__HVS_A_%%s__\\n' %s_%d\n"
                               % (b64[i:i + _CHUNK], tmp, nonce, i)).encode())
                    conn.wait_for(re.compile(("__HVS_A_%s_%d__" % (nonce, i)).encode()))
                source = "base64 -d %s; rm -f %s" % (tmp, tmp)
            line = ("printf '__HVS_B_%%s__\\n' %s; ( eval \"$(%s)\" ) </dev/null 2>&1; "
                    "printf '__HVS_E_%%s_%%d__\\n' %s $?\n" % (nonce, source, nonce))
            conn.send(line.encode())
            try:
                begin = conn.wait_for(re.compile(("__HVS_B_%s__\r?\n" % nonce).encode()))
                end = conn.wait_for(re.compile(("__HVS_E_%s_([0-9]+)__" % nonce).encode()))
            except GuestExecTimeout:
                try:
                    conn.send(_INTERRUPT)
                except OSError:
                    pass
                raise
            out = conn.buf[begin.end():end.start()].replace(b"\r\n", b"\n")
            return int(end.group(1)), out
        finally:
            conn.close()
    finally:
        os.close(lock_fd)  # also releases the lock


def guest_exec(sock, cmd, timeout=30.0):
    """Run cmd in the guest; return (exit status, output as str)."""
    rc, out = guest_exec_bytes(sock, cmd, timeout)
    return rc, out.decode("utf-8", errors="replace")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="guest-exec",
        description="Run COMMAND in the lab guest's serial root shell; print its "
                    "output (stdout and stderr merged) and exit with its status. "
                    "Exit 124 on timeout, 125 if the guest cannot be reached.")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--serial", metavar="SOCK", help="serial console unix socket")
    where.add_argument("--name", help="lab VM name (socket in $HVS_RUN_DIR/hvs-lab-NAME)")
    ap.add_argument("--timeout", type=float, default=30.0, metavar="S",
                    help="seconds to wait for the command (default 30)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND...")
    args = ap.parse_args(argv)
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        ap.error("no command given")
    sock = args.serial or (serial_socket_for(args.name) if args.name else os.environ.get("HVS_SERIAL"))
    if not sock:
        ap.error("give --serial SOCK, --name NAME or set HVS_SERIAL")
    try:
        rc, out = guest_exec_bytes(sock, " ".join(command), args.timeout)
    except GuestExecTimeout as e:
        print("guest-exec: %s" % e, file=sys.stderr)
        return 124
    except GuestExecError as e:
        print("guest-exec: %s" % e, file=sys.stderr)
        return 125
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())

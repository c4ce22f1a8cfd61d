#!/usr/bin/python3
"""One QMP command to a QEMU monitor socket, for the lab's tests and benchmarks.

    from qmp_client import qmp
    qmp("/tmp/hvs-lab-t1/qmp.sock", "dump-guest-memory", {"paging": False, "protocol": "file:/tmp/d.elf"})

Connects, negotiates capabilities, sends the command, skips asynchronous events
and returns the "return" value; a QMP error raises QMPError. A QEMU monitor
serves one client at a time, so the connection is closed after the command.
"""
import json
import socket


class QMPError(Exception):
    pass


def qmp(path, command, arguments=None, timeout=120):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        f = s.makefile("rwb")
        f.readline()  # greeting
        reply = None
        for msg in ({"execute": "qmp_capabilities"},
                    {"execute": command, **({"arguments": arguments} if arguments else {})}):
            f.write(json.dumps(msg).encode() + b"\n")
            f.flush()
            while True:
                line = f.readline()
                if not line:
                    raise QMPError(f"qmp {command}: connection closed")
                reply = json.loads(line)
                if "return" in reply or "error" in reply:
                    break
            if "error" in reply:
                raise QMPError(f"qmp {msg['execute']}: {reply['error'].get('desc', reply['error'])}")
        return reply["return"]
    finally:
        s.close()

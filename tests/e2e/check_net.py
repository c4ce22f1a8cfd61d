#!/usr/bin/python3
"""hvscope net against the lab guest's own view (run by guest_views.py).

Sockets present: the lab's TCP listeners (nc on 4444, httpd on 8080); an
ESTABLISHED TCP socket made for the check, by a connection from the host to
the VM's hostfwd port (127.0.0.1 -> guest 8080, served by an httpd child),
held open with a Python socket while both views are read; a UDP socket and
a unix datagram socket (/dev/log) of a syslogd started for the check with
remote logging to 127.0.0.1:514 (loopback; its UDP socket is bound on the
first message, sent by logger). The lab boots with ipv6.disable=1, so IPv6
is covered by the unit tests only.

For the live VM and for a dump-guest-memory core, against /proc read in the
guest before and after hvscope's read:
  * every TCP and UDP socket of /proc/net/tcp and /proc/net/udp that is the
    same in both reads (endpoints, state, inode) is listed by hvscope with
    the same state and inode, and every one hvscope lists was seen by the
    guest in one of the two reads;
  * the same for unix sockets of /proc/net/unix (by inode, with its path);
  * owners: for each socket inode, the PIDs whose /proc/PID/fd links name
    socket:[INODE] in both reads are the PIDs hvscope names;
  * the lab's listeners and the established connection are there, owned by
    nc and httpd.
"""
import os
import socket
import struct
import time

from e2elib import check, expect_error

STATE_SYN_RECV, STATE_NEW_SYN_RECV = 3, 12
TCP_ESTABLISHED = 1


def parse_inet(text, proto):
    """{(proto, laddr, lport, raddr, rport): (state, inode)} from /proc/net/tcp or udp."""
    res = {}
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) < 10 or ":" not in f[1] or ":" not in f[2]:
            continue
        (la, lp), (ra, rp) = f[1].split(":"), f[2].split(":")
        if len(la) != 8:        # IPv6: not in the lab (ipv6.disable=1)
            continue
        ip = lambda h: socket.inet_ntoa(struct.pack("<I", int(h, 16)))  # noqa: E731
        res[(proto, ip(la), int(lp, 16), ip(ra), int(rp, 16))] = (int(f[3], 16), int(f[9]))
    return res


def parse_unix(text):
    """{inode: path} from /proc/net/unix (sockets with an inode)."""
    res = {}
    for line in text.splitlines()[1:]:
        f = line.split(None, 7)
        if len(f) >= 7 and f[6].isdigit() and int(f[6]):
            res[int(f[6])] = f[7] if len(f) > 7 else ""
    return res


def parse_fds(text):
    """{inode: {pid, ...}} from `ls -l /proc/[0-9]*/fd` (socket:[INODE] links)."""
    res, pid = {}, None
    for line in text.splitlines():
        if line.startswith("/proc/") and line.endswith(":"):
            p = line[len("/proc/"):-1].split("/")[0]
            pid = int(p) if p.isdigit() else None
        elif pid is not None and "socket:[" in line:
            inode = int(line.rsplit("socket:[", 1)[1].rstrip("]"))
            res.setdefault(inode, set()).add(pid)
    return res


def guest_view(ctx):
    out = ctx.guest("cat /proc/net/tcp; echo @@; cat /proc/net/udp; echo @@; cat /proc/net/unix; echo @@; "
                    "ls -l /proc/[0-9]*/fd 2>/dev/null; true")
    tcp, udp, unx, fds = out.split("@@\n")
    inet = parse_inet(tcp, "tcp")
    inet.update(parse_inet(udp, "udp"))
    return {"inet": inet, "unix": parse_unix(unx), "fds": parse_fds(fds)}


def hv_view(hv):
    inet, unx, owners = {}, {}, {}
    for s in hv["sockets"]:
        if s["proto"] in ("tcp", "udp") and s["family"] == "inet":
            st = STATE_SYN_RECV if s["state_raw"] == STATE_NEW_SYN_RECV else s["state_raw"]
            inet[(s["proto"], s["local_address"], s["local_port"], s["remote_address"], s["remote_port"])] = \
                (st, s["inode"])
        elif s["proto"] == "unix" and s["inode"]:
            unx[s["inode"]] = s["path"]
        if s["inode"]:
            owners[s["inode"]] = {o["pid"] for o in s["owners"]}
    return inet, unx, owners


def compare(label, g1, hv, g2):
    check(not hv["truncated"], f"{label}: socket tables walked completely ({hv.get('truncated_reason')})")
    check(hv["owners_known"], f"{label}: owners found for every process ({hv.get('owners_reason')})")
    inet, unx, owners = hv_view(hv)
    stable = {k: v for k, v in g1["inet"].items() if g2["inet"].get(k) == v}
    bad = [(k, v, inet.get(k)) for k, v in sorted(stable.items()) if inet.get(k) != v]
    check(not bad and len(stable) >= 4,
          f"{label}: {len(stable)} TCP/UDP sockets of /proc/net/tcp,udp listed with state and inode" +
          (f" (differ: {bad})" if bad else ""))
    extra = [k for k in sorted(inet) if k not in g1["inet"] and k not in g2["inet"]]
    check(not extra, f"{label}: no TCP/UDP socket the guest never showed" + (f" ({extra})" if extra else ""))
    ustable = {i: p for i, p in g1["unix"].items() if g2["unix"].get(i) == p}
    bad = [(i, p, unx.get(i)) for i, p in sorted(ustable.items()) if unx.get(i) != p]
    check(not bad and ustable, f"{label}: {len(ustable)} unix sockets of /proc/net/unix listed with their path" +
          (f" (differ: {bad})" if bad else ""))
    extra = [i for i in sorted(unx) if i not in g1["unix"] and i not in g2["unix"]]
    check(not extra, f"{label}: no unix socket the guest never showed" + (f" ({extra})" if extra else ""))
    fstable = {i: p for i, p in g1["fds"].items() if g2["fds"].get(i) == p}
    bad = [(i, sorted(p), sorted(owners.get(i, ()))) for i, p in sorted(fstable.items())
           if i in owners and owners[i] != p]
    missing = [i for i in fstable if i not in owners and (i in {v[1] for v in stable.values()} or i in ustable)]
    check(not bad and not missing and fstable,
          f"{label}: owners of {len(fstable)} socket inodes match /proc/PID/fd" +
          (f" (differ: {bad}, unlisted: {missing})" if bad or missing else ""))
    by = {}
    for s in hv["sockets"]:
        by.setdefault((s["proto"], s["state"], s.get("local_port")), []).append(s)
    for port, name in ((4444, "nc"), (8080, "httpd")):
        ls = by.get(("tcp", "LISTEN", port), [])
        check(len(ls) == 1 and [o["name"] for o in ls[0]["owners"]] == [name],
              f"{label}: TCP listener on {port} owned by {name}")
    est = by.get(("tcp", "ESTAB", 8080), [])
    check(any(o["name"] == "httpd" for s in est for o in s["owners"]) and
          all(int(s["sock_address"], 16) >= 1 << 63 for s in est),
          f"{label}: the host's connection to httpd is ESTAB, owned by an httpd process "
          f"({[(s['remote_address'], s['remote_port'], s['sock_address'], s['owners']) for s in est]})")
    check(any(s["proto"] == "unix" and s["path"] == "/dev/log" and
              [o["name"] for o in s["owners"]] == ["syslogd"] for s in hv["sockets"]),
          f"{label}: syslogd's unix socket /dev/log")
    check(any(s["proto"] == "udp" and any(o["name"] == "syslogd" for o in s["owners"]) for s in hv["sockets"]),
          f"{label}: syslogd's UDP socket")


def wait_established(ctx, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        inet = guest_view(ctx)["inet"]
        if any(k[0] == "tcp" and k[2] == 8080 and v[0] == TCP_ESTABLISHED for k, v in inet.items()):
            return True
        time.sleep(0.3)
    return False


def run(ctx):
    label = f"{ctx.label} net"
    vm = ["--vm", ctx.env["HVS_QMP"]]
    # syslogd forks into the background; remote logging to loopback binds its UDP socket on the first message.
    ctx.guest("syslogd -R 127.0.0.1:514 -L -O /tmp/hvs-net-msgs; logger hvs-net-check; sleep 0.2")
    conn = socket.create_connection(("127.0.0.1", int(ctx.env["HVS_HOSTFWD_PORT"])), timeout=10)
    try:
        check(wait_established(ctx), f"{label}: the host's connection reached httpd")
        g1 = guest_view(ctx)
        t0 = time.monotonic()
        hv = ctx.hvscope_json(["net"] + vm)
        took = time.monotonic() - t0
        g2 = guest_view(ctx)
        compare(f"{label} live", g1, hv, g2)
        print(f"     {label}: net {took * 1000:.0f} ms, {len(hv['sockets'])} sockets")

        # Filters.
        t = ctx.hvscope_json(["net", "--tcp", "--listening"] + vm)
        check(sorted(s["local_port"] for s in t["sockets"]) == [4444, 8080] and
              all(s["state"] == "LISTEN" for s in t["sockets"]), f"{label}: --tcp --listening")
        u = ctx.hvscope_json(["net", "-x"] + vm)
        check(u["sockets"] and all(s["proto"] == "unix" for s in u["sockets"]), f"{label}: --unix")
        httpd = next(s for s in hv["sockets"] if s["proto"] == "tcp" and s["state"] == "LISTEN"
                     and s["local_port"] == 8080)
        pid = httpd["owners"][0]["pid"]
        p = ctx.hvscope_json(["net", "--process", str(pid)] + vm)
        check(p["sockets"] and all(any(o["pid"] == pid for o in s["owners"]) for s in p["sockets"]),
              f"{label}: --process {pid}")

        # A dump of the same VM, the connection still open.
        dump, g1, g2 = ctx.dump("net", before=lambda: guest_view(ctx), after=lambda: guest_view(ctx))
        hv = ctx.hvscope_json(["net", "--image", dump])
        compare(f"{label} dump", g1, hv, g2)
        os.unlink(dump)
    finally:
        conn.close()
        ctx.guest("killall syslogd; true")

    if ctx.first:
        expect_error("net: bad --process", ["net", "--process", "x"] + vm)
        expect_error("net: no target", ["net"])

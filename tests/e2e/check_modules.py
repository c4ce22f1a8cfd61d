#!/usr/bin/python3
"""hvscope modules against the lab guest's /proc/modules and /sys/module (run by guest_views.py).

  * every line of the guest's /proc/modules (read as root, so with real
    addresses) that is the same in two reads taken before and after hvscope's
    read is reproduced by hvscope field by field: name, size, reference count,
    users, state, address and taint flags; and hvscope lists no module the
    guest never showed;
  * every readable parameter in /sys/module/NAME/parameters/ of a loaded
    module is listed by hvscope with the same value, and every parameter
    hvscope lists with read permission exists there;
  * the same on the VM paused (--pause) and on a dump-guest-memory ELF core.
The lab loads virtio (pci, net, blk) and ext4 with their dependencies.
"""
import os
import time

from e2elib import check


def guest_modules(ctx):
    """{name: line fields} from the guest's /proc/modules."""
    mods = {}
    for line in ctx.guest("cat /proc/modules").splitlines():
        f = line.split()
        if len(f) >= 6:
            mods[f[0]] = f
    return mods


def guest_params(ctx):
    """{(module, param): value} for the readable parameters of loaded modules."""
    out = ctx.guest("for m in $(cut -d' ' -f1 /proc/modules); do for f in /sys/module/$m/parameters/*; do "
                    "[ -r \"$f\" ] && v=$(cat \"$f\" 2>/dev/null) && echo \"$m ${f##*/}=$v\"; done; done; true")
    res = {}
    for line in out.splitlines():
        mod, _, rest = line.partition(" ")
        name, eq, value = rest.partition("=")
        if eq:
            res[(mod, name)] = value
    return res


def hv_line(m):
    """The /proc/modules line hvscope's module would make, as fields."""
    refs = "-" if m["refcount"] is None else str(m["refcount"])
    users = "".join(u + "," for u in m["used_by"]) or "-"
    f = [m["name"], str(m["size"]), refs, users, m["state"], "0x" + m["address"][2:]]
    if m["flags"]:
        f.append(m["flags"])
    return f


def compare(label, g1, hv, g2, params=None):
    check(not hv["truncated"], f"{label}: module list complete")
    hvm = {m["name"]: m for m in hv["modules"]}
    stable = [n for n in g1 if n in g2 and g1[n] == g2[n]]
    check(len(stable) >= 10, f"{label}: {len(stable)} modules stable in the guest's two reads (the lab loads >= 10)")
    missing = [n for n in stable if n not in hvm]
    check(not missing, f"{label}: all {len(stable)} modules the guest shows are listed" + (f" (missing {missing})" if missing else ""))
    bad = [(g1[n], hv_line(hvm[n])) for n in stable if n in hvm and hv_line(hvm[n]) != g1[n]]
    check(not bad, f"{label}: name, size, refcount, users, state, address and flags match /proc/modules" +
          (f" {bad}" if bad else ""))
    extra = [n for n in hvm if n not in g1 and n not in g2]
    check(not extra, f"{label}: hvscope lists no module the guest never showed" + (f" (extra {extra})" if extra else ""))
    order = [m["name"] for m in hv["modules"] if m["name"] in g1]
    check(order == [n for n in g1 if n in hvm], f"{label}: list order matches /proc/modules")
    check(all(m["module_address"].startswith("0xffff") for m in hv["modules"]), f"{label}: every module has its struct address")
    if params is None:
        return
    hvp = {(m["name"], p["name"]): p for m in hv["modules"] for p in m["parameters"]}
    bad = [(k, v, hvp.get(k, {}).get("value")) for k, v in sorted(params.items()) if hvp.get(k, {}).get("value") != v]
    check(params and not bad, f"{label}: {len(params)} parameter values match /sys/module/*/parameters" + (f" {bad}" if bad else ""))
    unseen = [k for k, p in sorted(hvp.items()) if p["perm"] & 0o444 and k not in params]
    check(not unseen, f"{label}: every readable parameter hvscope lists is in /sys/module" + (f" (not there: {unseen})" if unseen else ""))


def run(ctx):
    qmp_sock = ctx.env["HVS_QMP"]
    params = guest_params(ctx)
    g1 = guest_modules(ctx)
    t0 = time.monotonic()
    hv = ctx.hvscope_json(["modules", "--vm", qmp_sock])
    ms = (time.monotonic() - t0) * 1000
    g2 = guest_modules(ctx)
    compare(f"{ctx.label} live", g1, hv, g2, params)
    print(f"     {ctx.label} live: modules {ms:.0f} ms, {len(hv['modules'])} modules, "
          f"{sum(len(m['parameters']) for m in hv['modules'])} parameters")

    g1 = guest_modules(ctx)
    hv = ctx.hvscope_json(["modules", "--vm", qmp_sock, "--pause"])
    g2 = guest_modules(ctx)
    compare(f"{ctx.label} live --pause", g1, hv, g2, params)

    dump, g1, g2 = ctx.dump("modules", before=lambda: guest_modules(ctx), after=lambda: guest_modules(ctx))
    try:
        hv = ctx.hvscope_json(["modules", "--image", dump])
        compare(f"{ctx.label} dump", g1, hv, g2, params)
    finally:
        os.unlink(dump)

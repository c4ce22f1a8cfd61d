/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysinfo.c - kernel facts: the boot command line (saved_command_line, what
 * /proc/cmdline prints), the initial UTS namespace (init_uts_ns, what uname
 * and hostname print) and the CPU counts (nr_cpu_ids, __num_online_cpus).
 */
#include <inttypes.h>
#include "linux-internal.h"

struct uts_offsets {
        uint32_t sysname, nodename, release, version, machine, domainname;
        uint32_t sysname_size, nodename_size, release_size, version_size, machine_size, domainname_size;
};

#define O(f) offsetof(struct uts_offsets, f)
static const struct lx_field_row rows[] = {
        { "uts_namespace", { "name.sysname" }, O(sysname), O(sysname_size), false },
        { "uts_namespace", { "name.nodename" }, O(nodename), O(nodename_size), false },
        { "uts_namespace", { "name.release" }, O(release), O(release_size), false },
        { "uts_namespace", { "name.version" }, O(version), O(version_size), false },
        { "uts_namespace", { "name.machine" }, O(machine), O(machine_size), false },
        { "uts_namespace", { "name.domainname" }, O(domainname), O(domainname_size), false },
};
#undef O

static void sanitize(char *s) {
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
                        *s = '?';
}

/* A char[@size] field at @addr (NUL-terminated within it, or cut at @cap - 1). */
static int read_field(hvs_vas *as, uint64_t addr, uint32_t size, char *out, size_t cap) {
        size_t n = MIN((size_t)size, cap - 1);
        int r = hvs_vas_read(as, HVS_GVA(addr), out, n);
        if (r < 0)
                return r;
        out[n] = '\0';
        sanitize(out);
        return 0;
}

static int read_uts(hvs_linux *k, hvs_sysinfo *si) {
        struct uts_offsets o;
        uint64_t uts;
        int r = lx_resolve_fields(k, rows, ARRAY_SIZE(rows), &o, &k->diag);
        if (r < 0)
                return r;
        if (hvs_profile_symbol(k->profile, "init_uts_ns", &uts) < 0)
                return HVS_DIAG(&k->diag, -ENOENT, "kernel has no 'init_uts_ns' symbol");
        const struct { uint32_t off, size; char *out; } f[] = {
                { o.sysname, o.sysname_size, si->sysname }, { o.nodename, o.nodename_size, si->nodename },
                { o.release, o.release_size, si->release }, { o.version, o.version_size, si->version },
                { o.machine, o.machine_size, si->machine }, { o.domainname, o.domainname_size, si->domainname },
        };
        for (size_t i = 0; i < ARRAY_SIZE(f); i++)
                if ((r = read_field(k->kvas, uts + f[i].off, f[i].size, f[i].out, sizeof si->sysname)) < 0)
                        return HVS_DIAG(&k->diag, r, "init_uts_ns at 0x%" PRIx64 " unreadable", uts);
        si->uts_addr = HVS_GVA(uts);
        return 0;
}

static int read_cmdline(hvs_linux *k, hvs_sysinfo *si) {
        uint64_t sym, p;
        int r;
        if (hvs_profile_symbol(k->profile, "saved_command_line", &sym) < 0)
                return HVS_DIAG(&k->diag, -ENOENT, "kernel has no 'saved_command_line' symbol");
        if ((r = hvs_vas_read_u64(k->kvas, HVS_GVA(sym), &p)) < 0 || p == 0)
                return HVS_DIAG(&k->diag, r < 0 ? r : -EFAULT, "saved_command_line at 0x%" PRIx64 " unreadable", sym);
        r = hvs_vas_read_str(k->kvas, HVS_GVA(p), si->cmdline, sizeof si->cmdline);
        if (r == -E2BIG)
                si->partial |= HVS_SYSINFO_PARTIAL_CMDLINE_TRUNC;
        else if (r < 0)
                return HVS_DIAG(&k->diag, r, "command line at 0x%" PRIx64 " unreadable", p);
        sanitize(si->cmdline);
        si->cmdline_addr = HVS_GVA(p);
        return 0;
}

static int read_cpus(hvs_linux *k, hvs_sysinfo *si) {
        uint64_t a, b;
        int r;
        if (hvs_profile_symbol(k->profile, "nr_cpu_ids", &a) < 0 ||
            hvs_profile_symbol(k->profile, "__num_online_cpus", &b) < 0)
                return HVS_DIAG(&k->diag, -ENOENT, "kernel has no 'nr_cpu_ids' or '__num_online_cpus' symbol");
        if ((r = hvs_vas_read_u32(k->kvas, HVS_GVA(a), &si->nr_cpu_ids)) < 0 ||
            (r = hvs_vas_read_u32(k->kvas, HVS_GVA(b), &si->online_cpus)) < 0)
                return HVS_DIAG(&k->diag, r, "CPU counts unreadable");
        return 0;
}

int hvs_linux_sysinfo(hvs_linux *k, hvs_sysinfo *ret) {
        hvs_sysinfo *si = hvs_calloc(1, sizeof *si);
        if (!si)
                return -ENOMEM;
        unsigned ok = 0;
        if (read_cmdline(k, si) == 0)
                ok++;
        else
                si->partial |= HVS_SYSINFO_PARTIAL_CMDLINE, si->cmdline[0] = '\0';
        if (read_uts(k, si) == 0)
                ok++;
        else
                si->partial |= HVS_SYSINFO_PARTIAL_UTS;
        if (read_cpus(k, si) == 0)
                ok++;
        else
                si->partial |= HVS_SYSINFO_PARTIAL_CPUS, si->nr_cpu_ids = si->online_cpus = 0;
        if (ok == 0) {
                free(si);
                return -ENOENT;         /* k->diag holds the last failure */
        }
        if (si->partial & HVS_SYSINFO_PARTIAL_UTS) {
                si->sysname[0] = si->nodename[0] = si->release[0] = si->version[0] = si->machine[0] = '\0';
                si->domainname[0] = '\0';
        }
        *ret = *si;
        free(si);
        return 0;
}

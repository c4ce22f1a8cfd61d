/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvscope kernel: what hvscope found about the guest kernel and how. */
#include <inttypes.h>
#include <string.h>
#include <json-c/json.h>
#include "hvscope.h"
#include "views.h"

json_object *view_kernel_json(hvs_session *s, const hvs_sysinfo *si_or_null) {
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        const hvs_mem_info *m = hvs_mem_get_info(hvs_session_mem(s));
        bool have_si = si_or_null != NULL;
        hvs_sysinfo si;
        if (have_si)
                si = *si_or_null;
        char text_va[32], text_pa[32], pob[32], root[32], slide[32];
        snprintf(text_va, sizeof text_va, "0x%016" PRIx64, i->text_va);
        snprintf(text_pa, sizeof text_pa, "0x%" PRIx64, i->text_pa);
        snprintf(pob, sizeof pob, "0x%016" PRIx64, i->page_offset_base);
        snprintf(root, sizeof root, "0x%" PRIx64, i->root);
        snprintf(slide, sizeof slide, "0x%" PRIx64, (uint64_t)i->kaslr_slide);
        const char *kaslr = i->kaslr_slide || i->phys_slide ? "on" : "off";
        char boot[40], now[40];
        fmt_iso_time(i->boot_time_ns, boot, sizeof boot);
        fmt_iso_time(i->guest_time_s * 1000000000ll, now, sizeof now);
        double uptime = i->boot_time_ns ? (double)i->guest_time_s - (double)i->boot_time_ns / 1e9 : 0;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "banner", json_object_new_string(i->banner));
        json_object_object_add(o, "release", json_object_new_string(i->release));
        json_object_object_add(o, "source", json_object_new_string(m->source));
        json_object_object_add(o, "accelerator", json_object_new_string(m->accel));
        json_object_object_add(o, "kaslr", json_object_new_string(kaslr));
        json_object_object_add(o, "kaslr_slide", json_object_new_string(slide));
        json_object_object_add(o, "text_va", json_object_new_string(text_va));
        json_object_object_add(o, "text_pa", json_object_new_string(text_pa));
        json_object_object_add(o, "page_offset_base", json_object_new_string(pob));
        json_object_object_add(o, "page_table_root", json_object_new_string(root));
        json_object_object_add(o, "paging_levels", json_object_new_int(i->paging));
        json_object_object_add(o, "symbols", json_object_new_int64((int64_t)i->nsyms));
        json_object_object_add(o, "boot_time", boot[0] ? json_object_new_string(boot) : NULL);
        json_object_object_add(o, "guest_time", now[0] ? json_object_new_string(now) : NULL);
        json_object_object_add(o, "uptime_s", boot[0] ? json_object_new_double(uptime) : NULL);
        bool cl = have_si && !(si.partial & HVS_SYSINFO_PARTIAL_CMDLINE);
        bool uts = have_si && !(si.partial & HVS_SYSINFO_PARTIAL_UTS);
        bool cpus = have_si && !(si.partial & HVS_SYSINFO_PARTIAL_CPUS);
        json_object_object_add(o, "command_line", cl ? json_object_new_string(si.cmdline) : NULL);
        json_object_object_add(o, "command_line_address", cl ? json_addr(si.cmdline_addr.v) : NULL);
        json_object_object_add(o, "hostname", uts ? json_object_new_string(si.nodename) : NULL);
        json_object_object_add(o, "domainname", uts ? json_object_new_string(si.domainname) : NULL);
        json_object *u = NULL;
        if (uts) {
                u = json_object_new_object();
                json_object_object_add(u, "sysname", json_object_new_string(si.sysname));
                json_object_object_add(u, "nodename", json_object_new_string(si.nodename));
                json_object_object_add(u, "release", json_object_new_string(si.release));
                json_object_object_add(u, "version", json_object_new_string(si.version));
                json_object_object_add(u, "machine", json_object_new_string(si.machine));
                json_object_object_add(u, "init_uts_ns_address", json_addr(si.uts_addr.v));
        }
        json_object_object_add(o, "uname", u);
        json_object_object_add(o, "cpus_online", cpus ? json_object_new_int64(si.online_cpus) : NULL);
        json_object_object_add(o, "cpu_ids", cpus ? json_object_new_int64(si.nr_cpu_ids) : NULL);
        json_object_object_add(o, "profile_source", json_object_new_string(i->profile_source));
        json_object_object_add(o, "types_source", json_object_new_string(i->btf_source));
        json_object_object_add(o, "profile_cache", json_object_new_string(i->cache_path));
        json_object_object_add(o, "open_ms", json_object_new_double((double)i->open_ns / 1e6));
        return o;
}

int cmd_kernel(int argc, char **argv) {
        static const struct option longopts[] = { TARGET_LONG_OPTS, { "help", no_argument, NULL, 'h' }, { 0 } };
        struct target_opts t = { 0 };
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k == 0) {
                        fputs("usage: hvscope kernel [--json] (--vm QMP_SOCKET | --pid QEMU_PID | --image FILE)\n"
                              TARGET_HELP, c == 'h' ? stdout : stderr);
                        return c == 'h' ? 0 : 1;
                }
        }
        hvs_session *s = NULL;
        if (target_open(&t, &s) < 0)
                return 1;
        hvs_sysinfo si;
        bool have_si = hvs_linux_sysinfo(hvs_session_linux(s), &si) == 0;
        if (t.pause)
                hvs_session_resume(s);
        const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(s));
        const hvs_mem_info *m = hvs_mem_get_info(hvs_session_mem(s));
        char text_va[32], text_pa[32], pob[32], root[32], slide[32];
        snprintf(text_va, sizeof text_va, "0x%016" PRIx64, i->text_va);
        snprintf(text_pa, sizeof text_pa, "0x%" PRIx64, i->text_pa);
        snprintf(pob, sizeof pob, "0x%016" PRIx64, i->page_offset_base);
        snprintf(root, sizeof root, "0x%" PRIx64, i->root);
        snprintf(slide, sizeof slide, "0x%" PRIx64, (uint64_t)i->kaslr_slide);
        const char *kaslr = i->kaslr_slide || i->phys_slide ? "on" : "off";
        char boot[40], now[40];
        fmt_iso_time(i->boot_time_ns, boot, sizeof boot);
        fmt_iso_time(i->guest_time_s * 1000000000ll, now, sizeof now);
        double uptime = i->boot_time_ns ? (double)i->guest_time_s - (double)i->boot_time_ns / 1e9 : 0;
        if (t.json) {
                print_json(view_kernel_json(s, have_si ? &si : NULL));
        } else {
                printf("%-18s %s\n", "banner", i->banner);
                printf("%-18s %s\n", "release", i->release);
                printf("%-18s %s\n", "source", m->source);
                if (m->accel[0])
                        printf("%-18s %s\n", "accelerator", m->accel);
                printf("%-18s %s (slide %s)\n", "kaslr", kaslr, slide);
                printf("%-18s %s (physical %s)\n", "_text", text_va, text_pa);
                printf("%-18s %s\n", "page_offset_base", pob);
                printf("%-18s %s (%d-level paging, from %s)\n", "page tables", root, (int)i->paging, i->root_source);
                printf("%-18s %zu\n", "symbols", i->nsyms);
                if (boot[0])
                        printf("%-18s %s (guest clock %s, up %.0f s)\n", "booted", boot, now, uptime);
                else
                        printf("%-18s unknown (guest clock unreadable)\n", "booted");
                if (have_si && !(si.partial & HVS_SYSINFO_PARTIAL_UTS)) {
                        printf("%-18s %s\n", "hostname", si.nodename);
                        printf("%-18s %s\n", "domainname", si.domainname);
                        printf("%-18s %s %s %s %s %s\n", "uname", si.sysname, si.nodename, si.release, si.version,
                               si.machine);
                }
                if (have_si && !(si.partial & HVS_SYSINFO_PARTIAL_CMDLINE))
                        printf("%-18s %s\n", "command line", si.cmdline);
                if (have_si && !(si.partial & HVS_SYSINFO_PARTIAL_CPUS))
                        printf("%-18s %u online (%u possible ids)\n", "cpus", si.online_cpus, si.nr_cpu_ids);
                printf("%-18s %s (types from %s)\n", "profile", i->profile_source, i->btf_source);
                if (i->cache_path[0])
                        printf("%-18s %s\n", "profile cache", i->cache_path);
                printf("%-18s %.1f ms\n", "found in", (double)i->open_ns / 1e6);
        }
        hvs_session_close(s);
        return 0;
}

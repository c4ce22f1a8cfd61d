/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope - hypervisor-level forensics for KVM/QEMU guests.
 * The program parses options, calls the library and renders; no forensic
 * logic lives here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hvscope.h"
#include "views.h"

void errorf(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("hvscope: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

void warnf(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("hvscope: warning: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

void print_escaped(const char *s) {
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c < 0x20 || c == 0x7f || c == '\\')
                        printf("\\%03o", c);
                else
                        putchar(c);
        }
}

double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int64_t wall_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int target_opt(struct target_opts *t, int c, const char *arg) {
        char *end;
        switch (c) {
        case 0x100:
                t->session.kind = HVS_TARGET_VM_QMP;
                t->session.path = arg;
                return 1;
        case 0x101: {
                errno = 0;
                long v = strtol(arg, &end, 10);
                if (errno || *end || v <= 0 || v > INT32_MAX) {
                        errorf("invalid --pid '%s'", arg);
                        return -1;
                }
                t->session.kind = HVS_TARGET_VM_PID;
                t->session.pid = (pid_t)v;
                return 1;
        }
        case 0x102:
                t->session.kind = HVS_TARGET_IMAGE;
                t->session.path = arg;
                return 1;
        case 0x103:
                t->session.kernel.btf_path = arg;
                return 1;
        case 0x104:
                t->session.kernel.no_cache = true;
                return 1;
        case 0x105:
                t->session.kernel.cache_dir = arg;
                return 1;
        case 0x106:
                t->json = true;
                return 1;
        case 0x107:
                t->pause = true;
                return 1;
        case 0x108:
                t->session.kernel.isf_path = arg;
                return 1;
        case 'v':
                t->verbose = true;
                return 1;
        }
        return 0;
}

static const char *target_name(const struct target_opts *t, char *buf, size_t cap) {
        if (t->session.kind == HVS_TARGET_VM_PID)
                snprintf(buf, cap, "QEMU pid %d", (int)t->session.pid);
        else
                snprintf(buf, cap, "'%s'", t->session.path);
        return buf;
}

int target_open(struct target_opts *t, hvs_session **ret) {
        if (!t->session.kind) {
                errorf("no target: give --vm QMP_SOCKET, --pid QEMU_PID or --image FILE");
                return -EINVAL;
        }
        t->session.sz = sizeof t->session;
        hvs_diag d = { 0 };
        bool tty = isatty(STDERR_FILENO);
        if (tty)
                fputs("hvscope: finding the guest kernel...\r", stderr);
        int r = hvs_session_open(&t->session, &d, ret);
        if (tty)
                fputs("\033[K", stderr);
        char name[4200];
        if (r < 0) {
                errorf("cannot open %s: %s", target_name(t, name, sizeof name), d.msg[0] ? d.msg : hvs_strerror(r));
                return r;
        }
        if (t->verbose) {
                const hvs_linux_info *i = hvs_linux_get_info(hvs_session_linux(*ret));
                const hvs_mem_info *mi = hvs_mem_get_info(hvs_session_mem(*ret));
                fprintf(stderr,
                        "hvscope: %s%s%s: %s\n"
                        "hvscope: _text va 0x%016" PRIx64 " pa 0x%" PRIx64 " (KASLR slide 0x%" PRIx64 "), %d-level paging, "
                        "profile from %s, types from %s, %zu symbols, found in %.1f ms\n",
                        mi->source, mi->accel[0] ? " accel " : "", mi->accel, i->banner, i->text_va, i->text_pa,
                        (uint64_t)i->kaslr_slide, (int)i->paging, i->profile_source, i->btf_source, i->nsyms,
                        (double)i->open_ns / 1e6);
        }
        if (t->pause) {
                r = hvs_session_pause(*ret);
                if (r < 0 && r != -EOPNOTSUPP) {
                        errorf("cannot pause %s: %s", target_name(t, name, sizeof name),
                               hvs_mem_errmsg(hvs_session_mem(*ret)));
                        *ret = hvs_session_close(*ret);
                        return r;
                }
        }
        return 0;
}

/* Every command: one line here, one cmd-<name>.c, a declaration in hvscope.h. */
static const struct command {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} commands[] = {
        { "ps", cmd_ps, "processes of the guest (table, --tree, --json)" },
        { "kernel", cmd_kernel, "the guest kernel hvscope found: version, KASLR, paging, clock" },
        { "modules", cmd_modules, "loaded kernel modules (/proc/modules fields, parameters)" },
        { "dmesg", cmd_dmesg, "the kernel log from the printk ring buffer (--level, --json)" },
        { "maps", cmd_maps, "memory regions of processes (/proc/PID/maps fields, -p PID)" },
        { "creds", cmd_creds, "credentials, capabilities, namespaces, cgroup of processes (-p PID)" },
        { "env", cmd_env, "environment variables of processes, from their memory (-p PID)" },
        { "net", cmd_net, "sockets: TCP, UDP (IPv4/IPv6) and unix, with owners (like ss -anp)" },
        { "files", cmd_files, "open files of processes (/proc/PID/fd: path, type, flags, -p PID)" },
        { "mounts", cmd_mounts, "the mount table (/proc/mounts fields, mount ids, read-only)" },
        { "acquire", cmd_acquire, "evidence from a live VM: memory (ELF core, SHA-256) or vCPU registers" },
        { "symbols", cmd_symbols, "the kernel profile as a Volatility 3 ISF (symbols export-isf -o FILE)" },
        { "vuln", cmd_vuln, "hypervisor vulnerabilities (NVD): import, sync, classify, report, gaps" },
        { "collect", cmd_collect, "every guest view once, stored in a case as one snapshot (--case FILE)" },
        { "case", cmd_case, "the case: info, log (chain of custody), verify, diff A B" },
        { "timeline", cmd_timeline, "everything in a case with a time, in order (table, ECS NDJSON, Timesketch CSV)" },
        { "report", cmd_report, "the case as one self-contained HTML page (report -o FILE.html)" },
        { "watch", cmd_watch, "live events of a running VM: processes, modules, sockets, credentials (--json, --case)" },
        { "triage", cmd_triage, "detection checks: hidden processes, hooks, reverse shells, YARA (findings)" },
};

bool hvscope_has_command(const char *name) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (!strcmp(commands[i].name, name))
                        return true;
        return false;
}

static void usage(FILE *f) {
        fputs("usage: hvscope <command> [options]\n"
              "\n"
              "Look inside a running KVM/QEMU virtual machine, or a memory dump of one,\n"
              "from the hypervisor host: nothing is installed in the guest and no kernel\n"
              "profile is downloaded.\n"
              "\n"
              "commands:\n",
              f);
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
        fputs("\n"
              "target options (every command):\n" TARGET_HELP
              "\n"
              "'hvscope <command> --help' shows a command's own options.\n",
              f);
}

const char *json_text(json_object *o) {
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
}

void print_json(json_object *o) {
        puts(json_text(o));
        json_object_put(o);
}

json_object *json_addr(uint64_t v) {
        char buf[24];
        snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
        return json_object_new_string(buf);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                usage(stderr);
                return 1;
        }
        const char *cmd = argv[1];
        if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
                usage(stdout);
                return 0;
        }
        if (!strcmp(cmd, "--version")) {
                printf("hvscope %s\n", HVS_VERSION_STRING);
                return 0;
        }
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (!strcmp(cmd, commands[i].name))
                        return commands[i].fn(argc - 1, argv + 1);
        errorf("unknown command '%s' (see 'hvscope --help')", cmd);
        return 1;
}

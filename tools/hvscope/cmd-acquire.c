/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope acquire memory | registers: evidence from a live VM, recorded in
 * the case. The work is in src/mem/acquire.c (include/hvscope/acquire.h);
 * this file parses options, draws the progress bar and records the result.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hvscope/acquire.h>
#include <hvscope/case.h>
#include "hvscope.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
        (void)sig;
        interrupted = 1;
}

struct vm_opts {
        const char *qmp;
        pid_t pid;
        const char *case_path;
        bool no_case;
        bool json;
        bool force;
        const char *output;
};

static int vm_open(const struct vm_opts *v, hvs_mem **ret) {
        hvs_diag d = { 0 };
        int r;
        if (v->qmp)
                r = hvs_mem_open_qemu(v->qmp, NULL, &d, ret);
        else
                r = hvs_mem_open_qemu_pid(v->pid, NULL, &d, ret);
        if (r < 0) {
                char name[64];
                snprintf(name, sizeof name, "QEMU pid %d", (int)v->pid);
                errorf("cannot open %s%s%s: %s", v->qmp ? "'" : "", v->qmp ? v->qmp : name, v->qmp ? "'" : "",
                       d.msg[0] ? d.msg : hvs_strerror(r));
        }
        return r;
}

/* The case to record in, opened (created) before anything is acquired so a bad case stops us early. */
static int case_open_rw(const struct vm_opts *v, int argc, char **argv, hvs_case **ret) {
        *ret = NULL;
        if (v->no_case)
                return 0;
        const char *path = v->case_path ? v->case_path : hvs_case_default_path();
        hvs_diag d = { 0 };
        int r = hvs_case_open(path, HVS_CASE_CREATE, &d, ret);
        if (r < 0) {
                errorf("cannot open the case '%s': %s (give --case FILE, or --no-case)", path,
                       d.msg[0] ? d.msg : hvs_strerror(r));
                return r;
        }
        (void)hvs_case_set_command(*ret, argc, argv);
        return 0;
}

static void case_record(hvs_case *c, const hvs_acq_record *rec) {
        if (!c)
                return;
        int64_t id = 0;
        int r = hvs_case_add_acquisition(c, rec, &id);
        if (r < 0)
                errorf("the acquisition was not recorded in the case '%s': %s", hvs_case_path(c), hvs_case_errmsg(c));
}

static void log_stderr(void *ud, enum hvs_log_level lvl, const char *msg) {
        (void)ud;
        (void)lvl;
        fprintf(stderr, "hvscope: debug: %s\n", msg);
}

static bool parse_vm_opt(struct vm_opts *v, int c, const char *arg) {
        char *end;
        switch (c) {
        case 0x100:
                v->qmp = arg;
                return true;
        case 0x101: {
                errno = 0;
                long p = strtol(arg, &end, 10);
                if (errno || *end || p <= 0 || p > INT32_MAX) {
                        errorf("invalid --pid '%s'", arg);
                        exit(1);
                }
                v->pid = (pid_t)p;
                return true;
        }
        case 0x110:
                v->case_path = arg;
                return true;
        case 0x111:
                v->no_case = true;
                return true;
        case 0x106:
                v->json = true;
                return true;
        case 0x112:
                v->force = true;
                return true;
        case 'o':
                v->output = arg;
                return true;
        case 'v':
                hvs_set_log(log_stderr, NULL, HVS_LOG_DEBUG);
                return true;
        }
        return false;
}

#define VM_LONG_OPTS                                            \
        { "vm", required_argument, NULL, 0x100 },               \
        { "pid", required_argument, NULL, 0x101 },              \
        { "json", no_argument, NULL, 0x106 },                   \
        { "case", required_argument, NULL, 0x110 },             \
        { "no-case", no_argument, NULL, 0x111 },                \
        { "force", no_argument, NULL, 0x112 },                  \
        { "output", required_argument, NULL, 'o' },             \
        { "verbose", no_argument, NULL, 'v' },                  \
        { "help", no_argument, NULL, 'h' }

#define VM_HELP                                                                           \
        "  --vm QMP_SOCKET    the live QEMU VM, by its QMP unix socket\n"                 \
        "  --pid QEMU_PID     the live QEMU VM, by the PID of its QEMU process\n"         \
        "  --case FILE        record the acquisition in this case (default: $HVS_CASE,\n" \
        "                     else " HVS_CASE_DEFAULT_PATH " here; created if missing)\n" \
        "  --no-case          do not record it in any case\n"                             \
        "  --force            replace an existing output file\n"                          \
        "  --json             machine-readable output\n"                                 \
        "  -v, --verbose      say what takes how long, on stderr\n"

/* ---- progress bar -------------------------------------------------------------- */

struct bar {
        bool tty;
        uint64_t t0;
        enum hvs_acq_phase phase;
        const char *hook;               /* HVSCOPE_TEST_HOOK, tests only */
        bool hooked;
};

static uint64_t mono_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int on_progress(void *ud, enum hvs_acq_phase ph, uint64_t done, uint64_t total) {
        struct bar *b = ud;
        /* Tests: stop this process while the guest is stopped, so a test can kill
         * the VM or interrupt us at that exact point (tests/integration/acquire.sh). */
        if (b->hook && !b->hooked && !strcmp(b->hook, "stop-while-paused") && ph == HVS_ACQ_PHASE_PAUSED &&
            total > 0 && done == total) {
                b->hooked = true;
                raise(SIGSTOP);
        }
        if (interrupted)
                return 1;
        if (!b->tty)
                return 0;
        static const char *const names[] = { "preparing", "copying (guest stopped)", "writing", "syncing" };
        if (ph != b->phase) {
                b->phase = ph;
                b->t0 = mono_ns();
        }
        const char *name = (unsigned)ph < 4 ? names[ph] : "";
        if (total == 0) {
                fprintf(stderr, "\rhvscope: %s...\033[K", name);
                return 0;
        }
        unsigned pct = (unsigned)(done * 100 / total);
        char bar[31];
        unsigned fill = pct * 30 / 100;
        for (unsigned i = 0; i < 30; i++)
                bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        double s = (double)(mono_ns() - b->t0) / 1e9;
        fprintf(stderr, "\rhvscope: %-24s [%s] %3u%% %7.1f/%.1f MiB", name, bar, pct, (double)done / 1048576.0,
                (double)total / 1048576.0);
        if (s > 0.05)
                fprintf(stderr, " %6.0f MiB/s", (double)done / 1048576.0 / s);
        fputs("\033[K", stderr);
        return 0;
}

static void bar_clear(const struct bar *b) {
        if (b->tty)
                fputs("\r\033[K", stderr);
}

/* ---- acquire memory -------------------------------------------------------------- */

static void memory_usage(FILE *f) {
        fputs("usage: hvscope acquire memory (--vm QMP_SOCKET | --pid QEMU_PID) -o FILE\n"
              "                              [--consistent | --live] [--compress zstd] [--threads N]\n"
              "                              [--case FILE | --no-case] [--force] [--json]\n"
              "\n"
              "Write an ELF core of the guest's physical memory with its vCPU states (the form\n"
              "of QEMU's dump-guest-memory: Volatility 3, crash and 'hvscope --image' read it).\n"
              "Pages the guest never used are left out. FILE.json gets the metadata; the\n"
              "SHA-256 is printed and recorded in the case.\n"
              "\n"
              "  -o, --output FILE  the image (written as FILE.part, renamed when complete)\n"
              "  --consistent       one instant of the guest: stop it while its memory is\n"
              "                     copied to host memory, then write (the default)\n"
              "  --live             never stop the guest; the image may be smeared (marked so)\n"
              "  --compress zstd    one zstd frame (read it with: zstd -d FILE -o FILE.elf)\n"
              "  --zstd-level N     1 (fast, default) .. 19\n"
              "  --threads N        copy threads and zstd workers (default: all CPUs)\n"
              VM_HELP,
              f);
}

static void memory_detail(const hvs_acq_result *r, char *buf, size_t cap) {
        snprintf(buf, cap,
                 "{\"sidecar\":\"%s\",\"image_sha256\":\"%s\",\"image_size\":%" PRIu64 ",\"ram_bytes\":%" PRIu64
                 ",\"data_bytes\":%" PRIu64 ",\"skipped_bytes\":%" PRIu64 ",\"loads\":%zu,\"vcpus\":%zu,"
                 "\"pause_wall_ns\":%" PRId64 ",\"write_ns\":%" PRId64 ",\"vm_was_paused\":%s,\"accelerator\":\"%s\","
                 "\"qemu_version\":\"%s\",\"format\":\"elf64-core\"}",
                 r->sidecar, r->image_sha256, r->image_size, r->ram_bytes, r->data_bytes, r->skipped_bytes, r->n_loads,
                 r->n_vcpus, r->pause_wall_ns, r->write_ns, r->vm_was_paused ? "true" : "false", r->accel,
                 r->qemu_version);
}

static void print_memory(const hvs_acq_result *r, bool json, const hvs_case *c) {
        double secs = (double)(r->finished_ns - r->started_ns) / 1e9;
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "path", json_object_new_string(r->path));
                json_object_object_add(o, "sidecar", json_object_new_string(r->sidecar));
                json_object_object_add(o, "sha256", json_object_new_string(r->sha256));
                json_object_object_add(o, "size", json_object_new_int64((int64_t)r->size));
                json_object_object_add(o, "compression", json_object_new_string(hvs_acq_compress_name(r->compress)));
                json_object_object_add(o, "uncompressed_sha256", json_object_new_string(r->image_sha256));
                json_object_object_add(o, "uncompressed_size", json_object_new_int64((int64_t)r->image_size));
                json_object_object_add(o, "mode", json_object_new_string(hvs_acq_mode_name(r->mode)));
                json_object_object_add(o, "smeared", json_object_new_boolean(r->smeared));
                json_object_object_add(o, "vm_was_paused", json_object_new_boolean(r->vm_was_paused));
                json_object_object_add(o, "downtime_ns", r->downtime_ns >= 0 ? json_object_new_int64(r->downtime_ns) : NULL);
                json_object_object_add(o, "pause_wall_ns", json_object_new_int64(r->pause_wall_ns));
                json_object_object_add(o, "ram_bytes", json_object_new_int64((int64_t)r->ram_bytes));
                json_object_object_add(o, "data_bytes", json_object_new_int64((int64_t)r->data_bytes));
                json_object_object_add(o, "skipped_bytes", json_object_new_int64((int64_t)r->skipped_bytes));
                json_object_object_add(o, "loads", json_object_new_int64((int64_t)r->n_loads));
                json_object_object_add(o, "vcpus", json_object_new_int64((int64_t)r->n_vcpus));
                json_object_object_add(o, "started_ns", json_object_new_int64(r->started_ns));
                json_object_object_add(o, "finished_ns", json_object_new_int64(r->finished_ns));
                json_object_object_add(o, "write_ns", json_object_new_int64(r->write_ns));
                json_object_object_add(o, "vm_name", json_object_new_string(r->vm_name));
                json_object_object_add(o, "qmp", json_object_new_string(r->qmp_path));
                json_object_object_add(o, "qemu_pid", json_object_new_int(r->qemu_pid));
                json_object_object_add(o, "case", c ? json_object_new_string(hvs_case_path(c)) : NULL);
                print_json(o);
                return;
        }
        printf("%-10s %s\n", "image", r->path);
        printf("%-10s %s\n", "sha256", r->sha256);
        printf("%-10s %" PRIu64 " bytes (%.1f MiB)", "size", r->size, (double)r->size / 1048576.0);
        if (r->compress != HVS_ACQ_COMPRESS_NONE)
                printf(", %s of an ELF of %.1f MiB, sha256 %s", hvs_acq_compress_name(r->compress),
                       (double)r->image_size / 1048576.0, r->image_sha256);
        putchar('\n');
        if (r->mode == HVS_ACQ_LIVE)
                printf("%-10s live: the guest ran during the copy, the image may be smeared\n", "mode");
        else if (r->vm_was_paused)
                printf("%-10s consistent: the vm was already stopped (by someone else) and left so\n", "mode");
        else if (r->downtime_ns >= 0)
                printf("%-10s consistent: guest stopped %.1f ms (QEMU's STOP/RESUME events)\n", "mode",
                       (double)r->downtime_ns / 1e6);
        else
                printf("%-10s consistent: guest stopped about %.1f ms\n", "mode", (double)r->pause_wall_ns / 1e6);
        printf("%-10s %.1f MiB of RAM: %.1f MiB copied in %zu segments, %.1f MiB never used (holes) left out\n",
               "memory", (double)r->ram_bytes / 1048576.0, (double)r->data_bytes / 1048576.0, r->n_loads,
               (double)r->skipped_bytes / 1048576.0);
        printf("%-10s %zu\n", "vcpus", r->n_vcpus);
        printf("%-10s %s\n", "metadata", r->sidecar);
        printf("%-10s %.2f s (writing and hashing %.2f s, %.0f MiB/s)\n", "time", secs, (double)r->write_ns / 1e9,
               r->write_ns > 0 ? (double)r->image_size / 1048576.0 / ((double)r->write_ns / 1e9) : 0.0);
        if (c)
                printf("%-10s %s\n", "case", hvs_case_path(c));
}

static int acquire_memory(int argc, char **argv) {
        static const struct option longopts[] = {
                VM_LONG_OPTS,
                { "consistent", no_argument, NULL, 0x120 },
                { "live", no_argument, NULL, 0x121 },
                { "compress", required_argument, NULL, 0x122 },
                { "zstd-level", required_argument, NULL, 0x123 },
                { "threads", required_argument, NULL, 0x124 },
                { 0 },
        };
        struct vm_opts v = { 0 };
        hvs_acq_opts o = { .sz = sizeof o };
        int c;
        char *end;
        while ((c = getopt_long(argc, argv, "hvo:", longopts, NULL)) != -1) {
                if (parse_vm_opt(&v, c, optarg))
                        continue;
                switch (c) {
                case 0x120: o.mode = HVS_ACQ_CONSISTENT; break;
                case 0x121: o.mode = HVS_ACQ_LIVE; break;
                case 0x122:
                        if (!strcmp(optarg, "zstd"))
                                o.compress = HVS_ACQ_COMPRESS_ZSTD;
                        else if (!strcmp(optarg, "none"))
                                o.compress = HVS_ACQ_COMPRESS_NONE;
                        else {
                                errorf("unknown --compress '%s' (zstd or none)", optarg);
                                return 1;
                        }
                        break;
                case 0x123:
                        o.zstd_level = (int)strtol(optarg, &end, 10);
                        if (*end || o.zstd_level < 1 || o.zstd_level > 19) {
                                errorf("invalid --zstd-level '%s' (1..19)", optarg);
                                return 1;
                        }
                        break;
                case 0x124: {
                        long t = strtol(optarg, &end, 10);
                        if (*end || t < 1 || t > HVS_ACQ_MAX_THREADS) {
                                errorf("invalid --threads '%s' (1..%u)", optarg, HVS_ACQ_MAX_THREADS);
                                return 1;
                        }
                        o.threads = (unsigned)t;
                        break;
                }
                default:
                        memory_usage(c == 'h' ? stdout : stderr);
                        return c == 'h' ? 0 : 1;
                }
        }
        if (optind < argc) {
                errorf("unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (!v.qmp && !v.pid) {
                errorf("no vm: give --vm QMP_SOCKET or --pid QEMU_PID");
                return 1;
        }
        if (!v.output) {
                errorf("no output file: give -o FILE");
                return 1;
        }
        o.force = v.force;
        hvs_mem *m = NULL;
        if (vm_open(&v, &m) < 0)
                return 1;
        hvs_case *k = NULL;
        if (case_open_rw(&v, argc, argv, &k) < 0) {
                hvs_mem_close(m);
                return 1;
        }
        /* Interrupted, we stop cleanly (the guest continued, no partial file);
         * over the file size limit, write() says EFBIG instead of killing us. */
        struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        signal(SIGXFSZ, SIG_IGN);
        struct bar b = { .tty = isatty(STDERR_FILENO) && !v.json, .phase = (enum hvs_acq_phase)-1,
                         .hook = getenv("HVSCOPE_TEST_HOOK") };
        o.progress = on_progress;
        o.progress_data = &b;
        hvs_acq_result res;
        hvs_diag d = { 0 };
        int r = hvs_acq_memory(m, v.output, &o, &d, &res);
        bar_clear(&b);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        char detail[8192];
        if (r == 0) {
                memory_detail(&res, detail, sizeof detail);
        } else {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "error", json_object_new_string(d.msg[0] ? d.msg : hvs_strerror(r)));
                json_object_object_add(e, "errno", json_object_new_int(-r));
                json_object_object_add(e, "output", json_object_new_string(v.output));
                snprintf(detail, sizeof detail, "%s", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
                json_object_put(e);
        }
        hvs_acq_record rec = {
                .kind = "memory", .mode = hvs_acq_mode_name(o.mode), .path = r == 0 ? res.path : NULL,
                .size = r == 0 ? res.size : 0, .sha256 = r == 0 ? res.sha256 : NULL,
                .compression = hvs_acq_compress_name(o.compress), .smeared = o.mode == HVS_ACQ_LIVE,
                .downtime_ns = res.downtime_ns, .started_ns = res.started_ns,
                .finished_ns = r == 0 ? res.finished_ns : 0, .status = r == 0 ? "complete" : "failed",
                .vm_name = res.vm_name[0] ? res.vm_name : NULL, .vm_uuid = res.vm_uuid[0] ? res.vm_uuid : NULL,
                .qmp_path = res.qmp_path[0] ? res.qmp_path : NULL, .qemu_pid = res.qemu_pid, .detail_json = detail,
        };
        case_record(k, &rec);
        hvs_mem_close(m);
        if (r < 0) {
                errorf("memory acquisition failed: %s", d.msg[0] ? d.msg : hvs_strerror(r));
                hvs_case_close(k);
                return 1;
        }
        print_memory(&res, v.json, k);
        hvs_case_close(k);
        return 0;
}

/* ---- acquire registers ----------------------------------------------------------- */

static void registers_usage(FILE *f) {
        fputs("usage: hvscope acquire registers (--vm QMP_SOCKET | --pid QEMU_PID) [-o FILE] [--pause]\n"
              "                                 [--case FILE | --no-case] [--force] [--json]\n"
              "\n"
              "Record every vCPU's registers: general purpose, RIP, RFLAGS, segments (selector,\n"
              "base, limit, flags), GDT/IDT, CR0/2/3/4/8, EFER and the other MSRs QEMU shows,\n"
              "debug registers, FPU/SSE state, the host thread of each vCPU, and the time.\n"
              "\n"
              "  -o, --output FILE  save them as JSON (FILE.part, renamed when complete)\n"
              "  --pause            stop the VM while reading, so all vCPUs are of one instant\n"
              VM_HELP,
              f);
}

static void print_vcpu(const hvs_acq_vcpu *c) {
        static const char *const g[16] = { "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
                                           "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15" };
        static const char *const segs[HVS_ACQ_NSEGS] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR" };
        printf("CPU %u", c->cpu);
        if (c->thread_id >= 0)
                printf("  host thread %" PRId64, c->thread_id);
        printf("  %s", c->long_mode ? "64-bit" : "32-bit/real");
        if (c->valid & HVS_ACQ_V_CPL)
                printf("  CPL %u", c->cpl);
        if (c->halted == 1)
                printf("  halted");
        putchar('\n');
        if (c->valid & HVS_ACQ_V_GPR) {
                unsigned n = c->long_mode ? 16 : 8;
                for (unsigned i = 0; i < n; i++)
                        printf("%s%-3s %016" PRIx64 "%s", i % 4 == 0 ? "  " : "  ", g[i], c->gpr[i], i % 4 == 3 ? "\n" : "");
                printf("  RIP %016" PRIx64 "  RFLAGS %016" PRIx64 "\n", c->rip, c->rflags);
        }
        if (c->valid & HVS_ACQ_V_CR) {
                printf("  CR0 %016" PRIx64 "  CR2 %016" PRIx64 "  CR3 %016" PRIx64 "  CR4 %016" PRIx64, c->cr0, c->cr2,
                       c->cr3, c->cr4);
                if (c->valid & HVS_ACQ_V_CR8)
                        printf("  CR8 %" PRIx64, c->cr8);
                putchar('\n');
        }
        if (c->valid & HVS_ACQ_V_EFER)
                printf("  EFER %016" PRIx64 "  FS.base %016" PRIx64 "  GS.base %016" PRIx64 "\n", c->efer,
                       c->seg[HVS_ACQ_FS].base, c->seg[HVS_ACQ_GS].base);
        if (c->valid & HVS_ACQ_V_SEG)
                for (unsigned i = 0; i < HVS_ACQ_NSEGS; i++)
                        printf("  %-3s %04x base %016" PRIx64 " limit %08x flags %08x\n", segs[i], c->seg[i].selector,
                               c->seg[i].base, c->seg[i].limit, c->seg[i].flags);
        if (c->valid & HVS_ACQ_V_DT)
                printf("  GDT base %016" PRIx64 " limit %04x  IDT base %016" PRIx64 " limit %04x\n", c->gdt_base,
                       c->gdt_limit, c->idt_base, c->idt_limit);
        if (c->valid & HVS_ACQ_V_DR)
                printf("  DR0 %016" PRIx64 "  DR1 %016" PRIx64 "  DR2 %016" PRIx64 "  DR3 %016" PRIx64 "\n"
                       "  DR6 %016" PRIx64 "  DR7 %016" PRIx64 "\n",
                       c->dr[0], c->dr[1], c->dr[2], c->dr[3], c->dr[6], c->dr[7]);
        if (c->n_extra)
                printf("  (%zu more: FPU, SSE, ... in --json)\n", c->n_extra);
}

static int acquire_registers(int argc, char **argv) {
        static const struct option longopts[] = { VM_LONG_OPTS, { "pause", no_argument, NULL, 0x130 }, { 0 } };
        struct vm_opts v = { 0 };
        bool pause = false;
        int c;
        while ((c = getopt_long(argc, argv, "hvo:", longopts, NULL)) != -1) {
                if (parse_vm_opt(&v, c, optarg))
                        continue;
                if (c == 0x130) {
                        pause = true;
                        continue;
                }
                registers_usage(c == 'h' ? stdout : stderr);
                return c == 'h' ? 0 : 1;
        }
        if (optind < argc) {
                errorf("unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (!v.qmp && !v.pid) {
                errorf("no vm: give --vm QMP_SOCKET or --pid QEMU_PID");
                return 1;
        }
        hvs_mem *m = NULL;
        if (vm_open(&v, &m) < 0)
                return 1;
        hvs_case *k = NULL;
        if (case_open_rw(&v, argc, argv, &k) < 0) {
                hvs_mem_close(m);
                return 1;
        }
        int64_t started = wall_ns();
        hvs_acq_regs *regs = NULL;
        hvs_diag d = { 0 };
        int r = hvs_acq_registers(m, pause, &d, &regs);
        char *json = NULL;
        if (r == 0 && hvs_acq_regs_json(regs, &json) < 0) {
                r = -ENOMEM;
                snprintf(d.msg, sizeof d.msg, "out of memory");
        }
        char sha[65] = "";
        if (r == 0 && v.output)
                r = hvs_acq_save(v.output, json, strlen(json), v.force, &d, sha);
        char abs[4096] = "";
        if (r == 0 && v.output && !realpath(v.output, abs))
                snprintf(abs, sizeof abs, "%s", v.output);
        json_object *dj = json_object_new_object();
        json_object_object_add(dj, "vcpus", json_object_new_int64(regs ? (int64_t)regs->n : 0));
        json_object_object_add(dj, "paused", json_object_new_boolean(pause));
        json_object_object_add(dj, "taken_ns", regs ? json_object_new_int64(regs->taken_ns) : NULL);
        if (r < 0)
                json_object_object_add(dj, "error", json_object_new_string(d.msg[0] ? d.msg : hvs_strerror(r)));
        char detail[1024];
        snprintf(detail, sizeof detail, "%s", json_object_to_json_string_ext(dj, JSON_C_TO_STRING_PLAIN));
        json_object_put(dj);
        hvs_acq_record rec = {
                .kind = "registers", .mode = pause ? "paused" : "running", .path = abs[0] ? abs : NULL,
                .size = abs[0] && json ? strlen(json) : 0, .sha256 = sha[0] ? sha : NULL, .compression = "none",
                .smeared = !pause, .downtime_ns = regs ? regs->downtime_ns : -1, .started_ns = started,
                .finished_ns = wall_ns(), .status = r == 0 ? "complete" : "failed",
                .vm_name = regs && regs->vm_name[0] ? regs->vm_name : NULL,
                .vm_uuid = regs && regs->vm_uuid[0] ? regs->vm_uuid : NULL,
                .qmp_path = regs && regs->qmp_path[0] ? regs->qmp_path : hvs_mem_get_info(m)->control,
                .qemu_pid = regs ? regs->qemu_pid : hvs_mem_get_info(m)->qemu_pid, .detail_json = detail,
        };
        case_record(k, &rec);
        hvs_mem_close(m);
        if (r < 0) {
                errorf("register acquisition failed: %s", d.msg[0] ? d.msg : hvs_strerror(r));
                free(json);
                hvs_acq_regs_free(regs);
                hvs_case_close(k);
                return 1;
        }
        if (v.output && v.json)
                printf("{\n  \"path\": \"%s\",\n  \"sha256\": \"%s\",\n  \"vcpus\": %zu\n}\n", abs, sha, regs->n);
        else if (v.json)
                fputs(json, stdout), putchar('\n');
        else if (v.output)
                printf("%-8s %s\n%-8s %s\n%-8s %zu\n", "saved", abs, "sha256", sha, "vcpus", regs->n);
        else
                for (size_t i = 0; i < regs->n; i++)
                        print_vcpu(&regs->vcpus[i]);
        free(json);
        hvs_acq_regs_free(regs);
        hvs_case_close(k);
        return 0;
}

int cmd_acquire(int argc, char **argv) {
        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
                FILE *f = argc < 2 ? stderr : stdout;
                fputs("usage: hvscope acquire memory    (--vm QMP_SOCKET | --pid QEMU_PID) -o FILE [options]\n"
                      "       hvscope acquire registers (--vm QMP_SOCKET | --pid QEMU_PID) [-o FILE] [options]\n"
                      "'hvscope acquire memory --help' and 'hvscope acquire registers --help' show the options.\n",
                      f);
                return argc < 2 ? 1 : 0;
        }
        if (!strcmp(argv[1], "memory"))
                return acquire_memory(argc - 1, argv + 1);
        if (!strcmp(argv[1], "registers"))
                return acquire_registers(argc - 1, argv + 1);
        errorf("unknown 'acquire' subcommand '%s' (memory or registers)", argv[1]);
        return 1;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hvscope vuln attack-evidence: step 2 of NIST IR 8221 on a running VM. What
 * the available collectors see before and after a sample attack (run by
 * --trigger), set against the evidence the map says such an attack leaves:
 * captured, missing, and why (docs/vuln.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <hvscope/watch.h>
#include "hvscope.h"
#include "vuln-common.h"
#include "util/util.h"

/*
 * Step 2 of the method on a running VM: take what the available collectors
 * see before and after an attack (run by --trigger), and set it against the
 * evidence the map says such an attack leaves: captured, missing, and why.
 */

/* What one host-tracing source ("kvm", "vmm-syscall") saw during the attack:
 * the totals of its per-key rate summaries and its flagged calls. */
#define ATTACK_TRACE_KEYS 16
struct attack_trace {
        hvs_watch_source *src;
        char why[HVS_DIAG_MSG_MAX];     /* why it could not run */
        int64_t t0;
        double secs;
        hvs_trace_counters c;
        char tps[256], missing[256];
        struct { char kind[16], key[24], dir[20]; uint64_t n; } keys[ATTACK_TRACE_KEYS];
        size_t nkeys;
        uint64_t by_kind[5];            /* port-io, mmio, msr, hypercall, vm-exit */
        char flagged[768];              /* vmm-syscall: the flagged calls, in order */
        uint64_t nflagged;
};

struct attack {
        const struct vuln_ctx *vc;
        hvs_mem *mem;
        hvs_linux *k;
        char linux_why[HVS_DIAG_MSG_MAX];
        hvs_task_list *t0, *t1;
        hvs_module_list *m0, *m1;
        bool have_image, have_regs;
        hvs_acq_result img;
        char img_why[HVS_DIAG_MSG_MAX];
        hvs_acq_regs *regs;
        char regs_why[HVS_DIAG_MSG_MAX];
        const char *marker;
        int64_t marker_gpa;
        const char *out;
        struct attack_trace kvm, sys;   /* host-kernel events during the attack (src/trace/) */
};

struct ev_row {
        const char *status;             /* "captured", "missing" */
        char detail[1024];
};

static const hvs_task *task_by_pid(const hvs_task_list *l, int32_t pid) {
        for (size_t i = 0; l && i < l->n; i++)
                if (l->tasks[i].pid == pid)
                        return &l->tasks[i];
        return NULL;
}

static bool task_new(const hvs_task_list *before, const hvs_task *t) {
        const hvs_task *o = task_by_pid(before, t->pid);
        return !o || o->start_boottime_ns != t->start_boottime_ns;
}

static void addf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void addf(char *buf, size_t cap, const char *fmt, ...) {
        size_t n = strlen(buf);
        if (n + 1 >= cap)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf + n, cap - n, fmt, ap);
        va_end(ap);
}

static void attack_collect(struct attack *a, bool after) {
        if (!a->k)
                return;
        if (after)
                hvs_linux_refresh(a->k);
        hvs_task_list **t = after ? &a->t1 : &a->t0;
        hvs_module_list **m = after ? &a->m1 : &a->m0;
        if (hvs_linux_tasks(a->k, t) < 0)
                *t = NULL;
        if (hvs_linux_modules(a->k, m) < 0)
                *m = NULL;
}

/* The first guest-physical address of @s in RAM, or -1. */
static int64_t find_marker(hvs_mem *m, const char *s) {
        size_t n = strlen(s), nr = 0;
        const hvs_mem_range *r = hvs_mem_ranges(m, &nr);
        static uint8_t buf[(1u << 20) + 256];
        for (size_t i = 0; i < nr && n && n < 256; i++) {
                for (uint64_t off = 0; off < r[i].size; off += 1u << 20) {
                        uint64_t len = r[i].size - off < (1u << 20) + 255 ? r[i].size - off : (1u << 20) + 255;
                        if (hvs_mem_read(m, HVS_GPA(r[i].gpa + off), buf, len) < 0)
                                continue;
                        const uint8_t *p = memmem(buf, len, s, n);
                        if (p)
                                return (int64_t)(r[i].gpa + off + (uint64_t)(p - buf));
                }
        }
        return -1;
}

static const char *const trace_kinds[5] = { "port-io", "mmio", "msr", "hypercall", "vm-exit" };

static int trace_event(void *ctx, const hvs_watch_event *ev) {
        struct attack_trace *at = ctx;
        if (!strcmp(ev->action, "vmm-syscall") && ev->severity >= 2) {
                addf(at->flagged, sizeof at->flagged, "%s%s", at->nflagged++ ? "; " : "", ev->summary);
                return 0;
        }
        if (strcmp(ev->action, "rate-summary") || !ev->data_json)
                return 0;
        json_object *o = json_tokener_parse(ev->data_json), *v;
        const char *kind = o && json_object_object_get_ex(o, "kind", &v) ? json_object_get_string(v) : NULL;
        const char *key = o && json_object_object_get_ex(o, "key_hex", &v) ? json_object_get_string(v)
                          : o && json_object_object_get_ex(o, "syscall.name", &v) ? json_object_get_string(v) : NULL;
        const char *dir = o && json_object_object_get_ex(o, "direction", &v) ? json_object_get_string(v) : "";
        uint64_t n = o && json_object_object_get_ex(o, "count", &v) ? (uint64_t)json_object_get_int64(v) : 0;
        if (kind && key) {
                for (int k = 0; k < 5; k++)
                        if (!strcmp(kind, trace_kinds[k]))
                                at->by_kind[k] += n;
                size_t i = 0;
                while (i < at->nkeys && (strcmp(at->keys[i].kind, kind) || strcmp(at->keys[i].key, key) ||
                                         strcmp(at->keys[i].dir, dir)))
                        i++;
                if (i == at->nkeys && i < ATTACK_TRACE_KEYS) {
                        snprintf(at->keys[i].kind, sizeof at->keys[i].kind, "%s", kind);
                        snprintf(at->keys[i].key, sizeof at->keys[i].key, "%s", key);
                        snprintf(at->keys[i].dir, sizeof at->keys[i].dir, "%s", dir);
                        at->nkeys++;
                }
                if (i < at->nkeys)
                        at->keys[i].n += n;
        }
        json_object_put(o);
        return 0;
}

static int64_t mono_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Step the tracing sources until @until (CLOCK_MONOTONIC ns) and, with
 * @child > 0, until that child exited too (its wait status in *@status):
 * the rings are read while the attack runs, not only after it. */
static void trace_pump(struct attack *a, int64_t until, pid_t child, int *status) {
        struct attack_trace *ts[2] = { &a->kvm, &a->sys };
        for (;;) {
                if (child > 0 && waitpid(child, status, WNOHANG) == child)
                        child = 0;
                int64_t now = mono_ns();
                if (child <= 0 && now >= until)
                        break;
                struct pollfd pf[2];
                for (int i = 0; i < 2; i++)
                        pf[i] = (struct pollfd){ .fd = ts[i]->src ? ts[i]->src->ops->fd(ts[i]->src) : -1, .events = POLLIN };
                (void)poll(pf, 2, 20);
                now = mono_ns();
                for (int i = 0; i < 2; i++)
                        if (ts[i]->src && ((pf[i].revents & POLLIN) || now >= ts[i]->src->ops->deadline_ns(ts[i]->src)))
                                (void)ts[i]->src->ops->step(ts[i]->src, now, trace_event, ts[i], NULL);
        }
}

static void trace_start(struct attack *a, pid_t qpid) {
        hvs_trace_opts to = { .sz = sizeof to, .ring_pages = 1024, .interval_ms = 500 };
        struct attack_trace *ts[2] = { &a->kvm, &a->sys };
        for (int i = 0; i < 2; i++) {
                hvs_diag d = { 0 };
                int r = qpid <= 0 ? HVS_DIAG(&d, -ESRCH, "the QEMU process of this VM is not known")
                        : i == 0 ? hvs_watch_kvm_new(qpid, &to, &d, &ts[i]->src)
                                 : hvs_watch_vmm_syscall_new(qpid, &to, &d, &ts[i]->src);
                if (r < 0) {
                        ts[i]->src = NULL;
                        hvs_strlcpy(ts[i]->why, d.msg[0] ? d.msg : hvs_strerror(r), sizeof ts[i]->why);
                        continue;
                }
                ts[i]->t0 = mono_ns();
                snprintf(ts[i]->tps, sizeof ts[i]->tps, "%s", hvs_watch_trace_tracepoints(ts[i]->src, false));
                snprintf(ts[i]->missing, sizeof ts[i]->missing, "%s", hvs_watch_trace_tracepoints(ts[i]->src, true));
        }
}

static void trace_stop(struct attack *a) {
        struct attack_trace *ts[2] = { &a->kvm, &a->sys };
        for (int i = 0; i < 2; i++) {
                if (!ts[i]->src)
                        continue;
                /* a last read, with the summaries of the interval in progress */
                (void)ts[i]->src->ops->step(ts[i]->src, INT64_MAX / 2, trace_event, ts[i], NULL);
                ts[i]->secs = (double)(mono_ns() - ts[i]->t0) / 1e9;
                hvs_watch_trace_counters(ts[i]->src, &ts[i]->c);
                ts[i]->src->ops->free(ts[i]->src);
                ts[i]->src = NULL;
        }
}

/* The row of an evidence item the "kvm" source collects: @kind indexes
 * trace_kinds[] (-1: the source does not record this item). */
static void trace_row(const struct attack_trace *at, int kind, const hvs_vuln_evidence *e, struct ev_row *row) {
        if (!at->t0) {
                snprintf(row->detail, sizeof row->detail, "host tracing unavailable: %s", at->why);
                return;
        }
        if (kind < 0) {
                snprintf(row->detail, sizeof row->detail, "the kvm source does not record this; would need: %s",
                         e->technique);
                return;
        }
        if (!at->by_kind[kind]) {
                snprintf(row->detail, sizeof row->detail, "no %s event in %.1f s of tracing (%s%s%s)", trace_kinds[kind],
                         at->secs, at->tps, at->missing[0] ? "; absent on this kernel: " : "", at->missing);
                return;
        }
        row->status = "captured";
        addf(row->detail, sizeof row->detail, "%" PRIu64 " %s events in %.1f s", at->by_kind[kind], trace_kinds[kind],
             at->secs);
        for (size_t i = 0; i < at->nkeys; i++)
                if (!strcmp(at->keys[i].kind, trace_kinds[kind]))
                        addf(row->detail, sizeof row->detail, "; %s %s%s%s: %" PRIu64 " (%.0f/s)", at->keys[i].kind,
                             at->keys[i].key, at->keys[i].dir[0] ? " " : "", at->keys[i].dir, at->keys[i].n,
                             (double)at->keys[i].n / (at->secs > 0 ? at->secs : 1));
        addf(row->detail, sizeof row->detail, "; %" PRIu64 " records lost", at->c.lost);
}

static void evidence_row(const struct attack *a, const hvs_vuln_evidence *e, const hvs_vuln_collector *col,
                         struct ev_row *row) {
        row->status = "missing";
        row->detail[0] = '\0';
        if (!col) {
                snprintf(row->detail, sizeof row->detail, "no hvscope collector; would need: %s", e->technique);
                return;
        }
        if (!col->command || !hvscope_has_command(col->command)) {
                if (col->issue)
                        snprintf(row->detail, sizeof row->detail, "collector '%s' is planned (issue %u, hvscope %s), not in "
                                 "this hvscope; would use: %s", col->id, col->issue, col->command ? col->command : "-",
                                 e->technique);
                else
                        snprintf(row->detail, sizeof row->detail, "collector '%s' is not available", col->id);
                return;
        }
        bool guest_view = !strncmp(col->id, "guest-", 6);
        if (guest_view && !a->k) {
                snprintf(row->detail, sizeof row->detail, "not applicable: no Linux kernel in this guest (%s)", a->linux_why);
                return;
        }
        if (!strcmp(col->id, "guest-processes")) {
                if (!a->t1) {
                        snprintf(row->detail, sizeof row->detail, "the task list could not be read");
                        return;
                }
                row->status = "captured";
                size_t fresh = 0;
                for (size_t i = 0; i < a->t1->n; i++)
                        fresh += !a->t1->tasks[i].kthread && task_new(a->t0, &a->t1->tasks[i]);
                addf(row->detail, sizeof row->detail, "%zu tasks after the attack, %zu started during it", a->t1->n, fresh);
                size_t shown = 0;
                for (size_t i = 0; i < a->t1->n && shown < 6; i++) {
                        const hvs_task *t = &a->t1->tasks[i];
                        if (t->kthread || !task_new(a->t0, t))
                                continue;
                        const hvs_task *p = task_by_pid(a->t1, t->ppid);
                        addf(row->detail, sizeof row->detail, "%s pid %d '%s' uid %u (parent %d '%s')", shown ? ";" : ":",
                             t->pid, t->comm, t->uid, t->ppid, p ? p->comm : "?");
                        shown++;
                }
                return;
        }
        if (!strcmp(col->id, "guest-creds")) {
                if (!a->t1) {
                        snprintf(row->detail, sizeof row->detail, "the task list could not be read");
                        return;
                }
                row->status = "captured";
                size_t hits = 0;
                for (size_t i = 0; i < a->t1->n; i++) {
                        const hvs_task *t = &a->t1->tasks[i];
                        if (t->kthread || (t->uid != 0 && t->euid != 0))
                                continue;
                        const hvs_task *p = task_by_pid(a->t1, t->ppid), *o = task_by_pid(a->t0, t->pid);
                        bool from_user = p && p->uid != 0 && p->euid != 0;
                        bool changed = o && o->start_boottime_ns == t->start_boottime_ns && o->uid != 0 && o->euid != 0;
                        if (!from_user && !changed)
                                continue;
                        hvs_creds *cr = NULL;
                        uint64_t caps = 0;
                        if (hvs_linux_task_creds(a->k, t, &cr) == 0)
                                caps = cr->cap_effective;
                        hvs_creds_free(cr);
                        addf(row->detail, sizeof row->detail, "%spid %d '%s' runs as uid %u euid %u (effective caps %#" PRIx64 ")",
                             hits ? "; " : "", t->pid, t->comm, t->uid, t->euid, caps);
                        if (changed)
                                addf(row->detail, sizeof row->detail, ", was uid %u before the attack", o->uid);
                        if (from_user)
                                addf(row->detail, sizeof row->detail, ", child of pid %d '%s' uid %u", p->pid, p->comm, p->uid);
                        hits++;
                }
                if (!hits)
                        snprintf(row->detail, sizeof row->detail, "credentials of %zu tasks read; no root process under an "
                                 "unprivileged parent, no credential changed", a->t1->n);
                return;
        }
        if (!strcmp(col->id, "guest-modules")) {
                if (!a->m1) {
                        snprintf(row->detail, sizeof row->detail, "the module list could not be read");
                        return;
                }
                row->status = "captured";
                addf(row->detail, sizeof row->detail, "%zu modules after the attack", a->m1->n);
                for (size_t i = 0; i < a->m1->n; i++) {
                        bool old = false;
                        for (size_t j = 0; a->m0 && j < a->m0->n; j++)
                                old |= !strcmp(a->m0->modules[j].name, a->m1->modules[i].name);
                        if (!old)
                                addf(row->detail, sizeof row->detail, "; loaded during it: %s", a->m1->modules[i].name);
                }
                for (size_t j = 0; a->m0 && j < a->m0->n; j++) {
                        bool still = false;
                        for (size_t i = 0; i < a->m1->n; i++)
                                still |= !strcmp(a->m0->modules[j].name, a->m1->modules[i].name);
                        if (!still)
                                addf(row->detail, sizeof row->detail, "; unloaded during it: %s", a->m0->modules[j].name);
                }
                return;
        }
        if (!strcmp(col->id, "memory-image")) {
                if (!a->have_image) {
                        snprintf(row->detail, sizeof row->detail, "no memory image: %s", a->img_why);
                        return;
                }
                row->status = "captured";
                addf(row->detail, sizeof row->detail, "in the memory image %s (%" PRIu64 " MiB, sha256 %.16s...)",
                     a->img.path, a->img.size >> 20, a->img.sha256);
                if (a->marker && a->marker_gpa >= 0)
                        addf(row->detail, sizeof row->detail, "; the attack's marker '%s' is in guest memory at %#" PRIx64,
                             a->marker, (uint64_t)a->marker_gpa);
                else if (a->marker)
                        addf(row->detail, sizeof row->detail, "; the marker '%s' was not found in guest memory", a->marker);
                return;
        }
        if (!strcmp(col->id, "vcpu-registers")) {
                if (!a->regs || !a->regs->n) {
                        snprintf(row->detail, sizeof row->detail, "no registers: %s", a->regs_why);
                        return;
                }
                row->status = "captured";
                const hvs_acq_vcpu *v = &a->regs->vcpus[0];
                addf(row->detail, sizeof row->detail, "%zu vCPUs; vCPU 0: RIP %#" PRIx64 " RAX %#" PRIx64 " RDX %#" PRIx64
                     " CR0 %#" PRIx64 " CR3 %#" PRIx64 "%s", a->regs->n, v->rip, v->gpr[0], v->gpr[3], v->cr0, v->cr3,
                     v->halted > 0 ? " (halted)" : "");
                return;
        }
        if (!strcmp(col->id, "kvm-events")) {
                static const char *const ids[] = { "pio-mmio-access", "msr-cpuid-access", "hypercall-trace", "vmexit-trace" };
                static const int kinds[] = { 0, 2, 3, 4 };
                int kind = -1;
                for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
                        if (!strcmp(e->id, ids[i]))
                                kind = kinds[i];
                trace_row(&a->kvm, kind, e, row);
                /* MMIO counts with port I/O for pio-mmio-access */
                if (kind == 0 && a->kvm.by_kind[1] && strcmp(row->status, "captured")) {
                        row->detail[0] = '\0';
                        trace_row(&a->kvm, 1, e, row);
                }
                return;
        }
        if (!strcmp(col->id, "vmm-syscalls")) {
                if (!a->sys.t0) {
                        snprintf(row->detail, sizeof row->detail, "host tracing unavailable: %s", a->sys.why);
                        return;
                }
                row->status = "captured";
                addf(row->detail, sizeof row->detail, "%" PRIu64 " system calls of QEMU in %.1f s (%" PRIu64 " lost); %"
                     PRIu64 " flagged%s%s", a->sys.c.read, a->sys.secs, a->sys.c.lost, a->sys.nflagged,
                     a->sys.nflagged ? ": " : "", a->sys.flagged);
                return;
        }
        snprintf(row->detail, sizeof row->detail, "collector '%s' (hvscope %s) exists but attack-evidence does not run it",
                 col->id, col->command);
}

static void attack_usage(FILE *f) {
        fputs("usage: hvscope vuln attack-evidence (--cve CVE-ID | --class DIM=CLASS...) (--vm QMP | --pid PID)\n"
              "                                   [--trigger CMD] [--settle MS] [--marker TEXT] [--out DIR] [--json]\n"
              "\n"
              "Step 2 of NIST IR 8221 on a running VM: read what hvscope's collectors see\n"
              "before and after an attack (CMD, run on the host between the two readings,\n"
              "e.g. a lab script that starts the attack in the guest), acquire the guest's\n"
              "memory and vCPU registers, and print the evidence the map requires for the\n"
              "attack's classes: captured (what was seen), missing (and why: a planned\n"
              "collector, no collector at all, or not applicable to this guest).\n"
              "\n"
              "  --cve CVE-ID       the classes of this stored CVE (primary functionality,\n"
              "                     every supported type and source)\n"
              "  --class DIM=CLASS  or give them: functionality=io_device, type=dos, ...\n"
              "  --vm QMP | --pid PID   the live VM\n"
              "  --trigger CMD      run CMD (/bin/sh -c) between the readings\n"
              "  --settle MS        wait after CMD (default 1000)\n"
              "  --marker TEXT      look for TEXT (the attack's code or data) in guest memory\n"
              "  --out DIR          where the memory image goes (default: a new /tmp/hvscope-attack-*)\n"
              "  --json             machine-readable output\n" COMMON_HELP,
              f);
}

int vuln_attack(int argc, char **argv) {
        static const struct option longopts[] = {
                COMMON_LONG_OPTS,
                TARGET_LONG_OPTS,
                { "cve", required_argument, NULL, OPT_PRODUCT },
                { "class", required_argument, NULL, OPT_SELECT },
                { "trigger", required_argument, NULL, OPT_API_URL },
                { "settle", required_argument, NULL, OPT_TIMEOUT },
                { "marker", required_argument, NULL, OPT_SINCE },
                { "out", required_argument, NULL, OPT_HTML },
                { 0 },
        };
        struct vuln_common co = { 0 };
        struct target_opts t = { 0 };
        const char *cve = NULL, *trigger = NULL, *classes[16];
        size_t nclasses = 0;
        unsigned settle = 1000;
        struct attack a = { .marker_gpa = -1 };
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                if (vuln_common_opt(&co, c, optarg))
                        continue;
                int k = target_opt(&t, c, optarg);
                if (k < 0)
                        return 1;
                if (k > 0)
                        continue;
                switch (c) {
                case OPT_PRODUCT:
                        cve = optarg;
                        break;
                case OPT_SELECT:
                        if (nclasses == ARRAY_SIZE(classes)) {
                                errorf("too many --class");
                                return 1;
                        }
                        classes[nclasses++] = optarg;
                        break;
                case OPT_API_URL:
                        trigger = optarg;
                        break;
                case OPT_TIMEOUT:
                        if (!vuln_parse_uint(optarg, "--settle", 600000, &settle))
                                return 1;
                        break;
                case OPT_SINCE:
                        a.marker = optarg;
                        break;
                case OPT_HTML:
                        a.out = optarg;
                        break;
                case 'h':
                        attack_usage(stdout);
                        return 0;
                default:
                        attack_usage(stderr);
                        return 1;
                }
        }
        if (optind < argc || (!cve && !nclasses) || (t.session.kind != HVS_TARGET_VM_QMP && t.session.kind != HVS_TARGET_VM_PID)) {
                errorf("vuln attack-evidence: give --cve or --class, and a live VM (--vm or --pid)");
                return 1;
        }
        struct vuln_ctx vc = { 0 };
        a.vc = &vc;
        int rc = 1;
        hvs_vuln_result res = { 0 };
        if ((cve ? vuln_load_all(&co, &vc, true) : vuln_load_rules(&co, &vc, true)) < 0)
                goto out;
        for (int d = 0; d < HVS_VULN_NDIMS; d++)
                res.primary[d] = -1;
        if (cve) {
                const hvs_vuln_record *rec = hvs_vuln_feed_find(vc.feed, cve);
                if (!rec) {
                        errorf("'%s' is not in the vulnerability database '%s' (vuln import it first)", cve, vc.db_path);
                        goto out;
                }
                if (hvs_vuln_classify(vc.rules, rec, &res, NULL) < 0)
                        goto out;
        }
        for (size_t i = 0; i < nclasses; i++) {
                char dim[32];
                const char *eq = strchr(classes[i], '=');
                int d = -1, k = -1;
                if (eq && (size_t)(eq - classes[i]) < sizeof dim) {
                        memcpy(dim, classes[i], (size_t)(eq - classes[i]));
                        dim[eq - classes[i]] = '\0';
                        for (int x = HVS_VULN_FUNC; x < HVS_VULN_NDIMS; x++)
                                if (!strcmp(dim, hvs_vuln_rules_dim_name(x)))
                                        d = x;
                        if (d >= 0)
                                k = hvs_vuln_rules_class_find(vc.rules, d, eq + 1);
                }
                if (d < 0 || k < 0) {
                        errorf("invalid --class '%s' (functionality=ID, type=ID or source=ID of the rules)", classes[i]);
                        goto out;
                }
                res.set[d] |= 1u << k;
                if (res.primary[d] < 0 || d != HVS_VULN_FUNC)
                        res.primary[d] = res.primary[d] < 0 ? k : res.primary[d];
        }
        /* the map's needs of these classes */
        uint64_t need[HVS_MAX_VULN_EVIDENCE / 64] = { 0 };
        for (int d = HVS_VULN_FUNC; d < HVS_VULN_NDIMS; d++)
                for (unsigned k = 0; k < HVS_VULN_MAX_CLASSES; k++)
                        if (res.set[d] & (1u << k)) {
                                uint64_t b[HVS_MAX_VULN_EVIDENCE / 64];
                                hvs_vuln_evmap_needs(vc.evmap, d, (int)k, b);
                                for (size_t w = 0; w < ARRAY_SIZE(need); w++)
                                        need[w] |= b[w];
                        }
        /* the VM */
        hvs_diag d = { 0 };
        hvs_mem_qemu_opts mo = { .sz = sizeof mo };
        int r = t.session.kind == HVS_TARGET_VM_QMP ? hvs_mem_open_qemu(t.session.path, &mo, &d, &a.mem)
                                                   : hvs_mem_open_qemu_pid(t.session.pid, &mo, &d, &a.mem);
        if (r < 0) {
                errorf("cannot open the VM: %s", d.msg[0] ? d.msg : hvs_strerror(r));
                goto out;
        }
        hvs_diag_clear(&d);
        if (hvs_linux_open(a.mem, NULL, &d, &a.k) < 0) {
                hvs_strlcpy(a.linux_why, d.msg[0] ? d.msg : "not found", sizeof a.linux_why);
                a.k = NULL;
        }
        attack_collect(&a, false);
        bool want_trace = false;
        for (size_t e = 0; e < hvs_vuln_evmap_nevidence(vc.evmap); e++) {
                const hvs_vuln_evidence *ev = hvs_vuln_evmap_evidence(vc.evmap, e);
                if ((need[e / 64] & (1ull << (e % 64))) && ev->collector >= 0) {
                        const char *cid = hvs_vuln_evmap_collector(vc.evmap, (size_t)ev->collector)->id;
                        want_trace |= !strcmp(cid, "kvm-events") || !strcmp(cid, "vmm-syscalls");
                }
        }
        if (want_trace)
                trace_start(&a, hvs_mem_get_info(a.mem)->qemu_pid);
        int trig_rc = 0;
        if (trigger) {
                fflush(stdout);
                pid_t child = fork();
                if (child == 0) {
                        execl("/bin/sh", "sh", "-c", trigger, (char *)NULL);
                        _exit(127);
                }
                if (child < 0)
                        trig_rc = -1;
                else
                        trace_pump(&a, 0, child, &trig_rc);
        }
        if (trigger || want_trace)      /* without a trigger: a window of --settle to trace what runs */
                trace_pump(&a, mono_ns() + (int64_t)settle * 1000000, 0, NULL);
        trace_stop(&a);
        attack_collect(&a, true);
        if (a.marker)
                a.marker_gpa = find_marker(a.mem, a.marker);
        /* memory and registers, when the map asks for them and hvscope has acquire */
        bool want_img = false, want_regs = false;
        for (size_t e = 0; e < hvs_vuln_evmap_nevidence(vc.evmap); e++) {
                const hvs_vuln_evidence *ev = hvs_vuln_evmap_evidence(vc.evmap, e);
                if (!(need[e / 64] & (1ull << (e % 64))) || ev->collector < 0)
                        continue;
                const char *cid = hvs_vuln_evmap_collector(vc.evmap, (size_t)ev->collector)->id;
                want_img |= !strcmp(cid, "memory-image");
                want_regs |= !strcmp(cid, "vcpu-registers");
        }
        char outdir[4096] = "";
        if (want_img && hvscope_has_command("acquire")) {
                if (a.out) {
                        snprintf(outdir, sizeof outdir, "%s", a.out);
                        if (hvs_mkdir_p(outdir) < 0) {
                                snprintf(a.img_why, sizeof a.img_why, "cannot create '%s': %s", outdir, strerror(errno));
                                outdir[0] = '\0';
                        }
                }
                else {
                        snprintf(outdir, sizeof outdir, "/tmp/hvscope-attack-XXXXXX");
                        if (!mkdtemp(outdir))
                                outdir[0] = '\0';
                }
                char path[4200];
                snprintf(path, sizeof path, "%s/memory.elf", outdir);
                hvs_diag_clear(&d);
                hvs_acq_opts ao = { .sz = sizeof ao, .force = true };
                r = outdir[0] ? hvs_acq_memory(a.mem, path, &ao, &d, &a.img) : -EIO;
                a.have_image = r == 0;
                if (r < 0 && !a.img_why[0])
                        hvs_strlcpy(a.img_why, d.msg[0] ? d.msg : hvs_strerror(r), sizeof a.img_why);
        }
        if (want_regs && hvscope_has_command("acquire")) {
                hvs_diag_clear(&d);
                r = hvs_acq_registers(a.mem, true, &d, &a.regs);
                if (r < 0) {
                        a.regs = NULL;
                        hvs_strlcpy(a.regs_why, d.msg[0] ? d.msg : hvs_strerror(r), sizeof a.regs_why);
                }
        }
        /* the report */
        size_t ncaptured = 0, nneeded = 0;
        json_object *arr = json_object_new_array();
        if (!t.json) {
                printf("attack classes:");
                for (int dd = HVS_VULN_FUNC; dd < HVS_VULN_NDIMS; dd++) {
                        printf(" %s=", hvs_vuln_rules_dim_name(dd));
                        vuln_print_set(vc.rules, dd, res.set[dd]);
                }
                printf("\nguest: %s\n", a.k ? hvs_linux_get_info(a.k)->banner : "no Linux kernel found (guest views not applicable)");
                if (trigger)
                        printf("attack: '%s' (exit status %d), then %u ms\n", trigger, WIFEXITED(trig_rc) ? WEXITSTATUS(trig_rc) : -1,
                               settle);
                printf("\n%-9s %-24s %s\n", "STATUS", "EVIDENCE", "DETAIL");
        }
        for (int pass = 0; pass < 2; pass++)
                for (size_t e = 0; e < hvs_vuln_evmap_nevidence(vc.evmap); e++) {
                        if (!(need[e / 64] & (1ull << (e % 64))))
                                continue;
                        const hvs_vuln_evidence *ev = hvs_vuln_evmap_evidence(vc.evmap, e);
                        const hvs_vuln_collector *col =
                                ev->collector >= 0 ? hvs_vuln_evmap_collector(vc.evmap, (size_t)ev->collector) : NULL;
                        struct ev_row row;
                        evidence_row(&a, ev, col, &row);
                        bool cap = !strcmp(row.status, "captured");
                        if (cap != (pass == 0))
                                continue;
                        nneeded++;
                        ncaptured += cap;
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "evidence", json_object_new_string(ev->id));
                        json_object_object_add(o, "status", json_object_new_string(row.status));
                        json_object_object_add(o, "collector", col ? json_object_new_string(col->id) : NULL);
                        json_object_object_add(o, "detail", json_object_new_string(row.detail));
                        json_object_object_add(o, "description", json_object_new_string(ev->description));
                        json_object_array_add(arr, o);
                        if (!t.json) {
                                printf("%-9s %-24s ", row.status, ev->id);
                                vuln_print_text(stdout, row.detail, strlen(row.detail), true);
                                putchar('\n');
                        }
                }
        if (t.json) {
                json_object *root = json_object_new_object();
                json_object *cl = json_object_new_object();
                for (int dd = HVS_VULN_FUNC; dd < HVS_VULN_NDIMS; dd++)
                        json_object_object_add(cl, hvs_vuln_rules_dim_name(dd), vuln_set_json(vc.rules, dd, res.set[dd]));
                json_object_object_add(root, "classes", cl);
                json_object_object_add(root, "cve", cve ? json_object_new_string(cve) : NULL);
                json_object_object_add(root, "guest_kernel", a.k ? json_object_new_string(hvs_linux_get_info(a.k)->banner) : NULL);
                json_object_object_add(root, "trigger", trigger ? json_object_new_string(trigger) : NULL);
                json_object_object_add(root, "trigger_exit", trigger ? json_object_new_int(WIFEXITED(trig_rc) ? WEXITSTATUS(trig_rc) : -1) : NULL);
                json_object_object_add(root, "marker_gpa", a.marker_gpa >= 0 ? json_addr((uint64_t)a.marker_gpa) : NULL);
                json_object_object_add(root, "memory_image", a.have_image ? json_object_new_string(a.img.path) : NULL);
                json_object_object_add(root, "needed", json_object_new_int((int)nneeded));
                json_object_object_add(root, "captured", json_object_new_int((int)ncaptured));
                json_object_object_add(root, "evidence", arr);
                print_json(root);
                arr = NULL;
        } else
                printf("\n%zu of %zu evidence items captured\n", ncaptured, nneeded);
        json_object_put(arr);
        rc = 0;
out:
        trace_stop(&a);
        hvs_task_list_free(a.t0);
        hvs_task_list_free(a.t1);
        hvs_module_list_free(a.m0);
        hvs_module_list_free(a.m1);
        hvs_acq_regs_free(a.regs);
        hvs_linux_close(a.k);
        hvs_mem_close(a.mem);
        vuln_ctx_free(&vc);
        return rc;
}


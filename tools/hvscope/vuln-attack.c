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
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <hvscope/session.h>
#include <hvscope/triage.h>
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
        hvs_watch_source *inner;        /* kvm under the originator wrapper (NULL: src is the trace source) */
        char orig_why[HVS_DIAG_MSG_MAX];/* kvm: why the guest process of an access is not named */
        struct { int32_t pid; char comm[17]; uint64_t n; } orig[8];     /* kvm: guest processes named */
        size_t norig;
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

/*
 * Guest events during the attack (src/watch/): the flight recorder re-reads
 * the guest's processes and credentials and diffs them; a hardware
 * breakpoint on commit_creds (through QEMU's gdbstub) sees every credential
 * the guest kernel installs, with the process that installs it, however
 * short-lived. What each saw is kept, bounded, to build the rows from.
 */
#define ATTACK_FLIGHT_HZ 20.0           /* the top of the map's "2-20 Hz" */
#define ATTACK_BP_PROBES "creds"        /* commit_creds */
#define ATTACK_MAX_EVENTS 256

struct attack_ev {
        int64_t ts_ns;                  /* host CLOCK_REALTIME */
        bool bp;                        /* from the breakpoint, else the flight recorder */
        bool cred;                      /* a credential change, else a process event */
        char action[20];                /* "process-started", "exec", "process-exited", "credential-change", "commit-creds" */
        int32_t pid, ppid;              /* ppid -1: unknown */
        char comm[17];
        int64_t uid, euid, gid, egid;   /* -1: unknown */
        int64_t ouid, oeuid, ogid, oegid; /* before a credential change; -1: unknown */
};

struct attack_watch {
        hvs_watch_source *src;
        bool started;
        char why[HVS_DIAG_MSG_MAX];     /* why it could not start, or why it stopped early */
        int64_t t0;
        double secs;
        hvs_watch_stats st;
        hvs_watch_bp_stats bst;
        uint64_t nproc[3];              /* process-started, exec, process-exited */
        uint64_t ncred, nunchanged;     /* credential changes; commit_creds hits that changed nothing */
        char notes[256];                /* views the flight recorder switched off */
};

/* One triage check run after the attack. */
struct attack_check {
        const hvs_triage_check *c;
        int err;                        /* 0 ran; -errno could not run */
        char msg[HVS_DIAG_MSG_MAX];
        size_t first, n;                /* its findings in attack.findings */
        double ms;
};

struct attack {
        const struct vuln_ctx *vc;
        hvs_mem *mem;
        hvs_linux *k;
        hvs_session *s;                 /* over mem and k (borrowed), for the watch sources and triage */
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
        struct attack_watch fr, bp;     /* guest events during the attack (src/watch/) */
        int64_t attack_ns;              /* CLOCK_REALTIME when the attack started */
        struct attack_ev ev[ATTACK_MAX_EVENTS];
        size_t nev;
        uint64_t ev_dropped;            /* events beyond ATTACK_MAX_EVENTS (counted, not kept) */
        bool triaged;
        char triage_why[HVS_DIAG_MSG_MAX];
        hvs_findings *findings;
        struct attack_check checks[32];
        size_t nchecks;
};

struct ev_row {
        const char *status;             /* "captured", "missing" */
        char detail[2048];
        json_object *events;            /* the events behind the row (owned; nullable) */
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
        if (ev->pid >= 0 && strcmp(ev->source, "vmm-syscall")) {
                /* kvm, through the originator: the guest process current on the vCPU */
                size_t i = 0;
                while (i < at->norig && at->orig[i].pid != ev->pid)
                        i++;
                if (i == at->norig && i < ARRAY_SIZE(at->orig)) {
                        at->orig[i].pid = ev->pid;
                        snprintf(at->orig[i].comm, sizeof at->orig[i].comm, "%s", ev->comm ? ev->comm : "");
                        at->norig++;
                }
                if (i < at->norig)
                        at->orig[i].n++;
        }
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

/* An id of an event's data: JSON number or decimal string (the flight
 * recorder writes ECS ids as strings); -1 when absent or not a number. */
static int64_t data_id(json_object *o, const char *key) {
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v))
                return -1;
        if (json_object_is_type(v, json_type_int))
                return json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_string))
                return -1;
        const char *t = json_object_get_string(v);
        char *end;
        errno = 0;
        long long n = strtoll(t, &end, 10);
        return errno || end == t || *end || n < 0 ? -1 : (int64_t)n;
}

/* The emit callback of the flight recorder and the breakpoint source. */
static int watch_event(void *ctx, const hvs_watch_event *ev) {
        struct attack *a = ctx;
        bool bp = !strcmp(ev->source, "breakpoint");
        struct attack_watch *w = bp ? &a->bp : &a->fr;
        if (!strcmp(ev->action, "view-unavailable")) {
                addf(w->notes, sizeof w->notes, "%s%s", w->notes[0] ? "; " : "", ev->summary);
                return 0;
        }
        static const char *const proc_actions[3] = { "process-started", "exec", "process-exited" };
        int pa = -1;
        for (int i = 0; i < 3; i++)
                if (!strcmp(ev->action, proc_actions[i]))
                        pa = i;
        bool cred = !strcmp(ev->action, "credential-change") || !strcmp(ev->action, "commit-creds");
        if (pa < 0 && !cred)
                return 0;
        json_object *o = ev->data_json ? json_tokener_parse(ev->data_json) : NULL, *v;
        struct attack_ev e = { .ts_ns = ev->ts_ns ? ev->ts_ns : hvs_watch_now_ns(), .bp = bp, .cred = cred,
                               .pid = ev->pid, .ppid = (int32_t)data_id(o, "process.parent.pid") };
        hvs_strlcpy(e.action, ev->action, sizeof e.action);
        hvs_strlcpy(e.comm, ev->comm ? ev->comm : "?", sizeof e.comm);
        if (bp) {       /* commit_creds(new): the new cred against the task's current one */
                e.uid = data_id(o, "user.changes.id");
                e.euid = data_id(o, "hvscope.new.euid");
                e.gid = data_id(o, "user.changes.group.id");
                e.egid = data_id(o, "hvscope.new.egid");
                e.ouid = data_id(o, "user.id");
                e.oeuid = data_id(o, "user.effective.id");
                e.ogid = data_id(o, "user.group.id");
                e.oegid = data_id(o, "user.effective.group.id");
                /* the current cred unread: kept, as a change of unknown origin */
                bool changed = !json_object_object_get_ex(o, "hvscope.changed", &v) || json_object_get_boolean(v);
                if (!changed) {
                        w->nunchanged++;
                        json_object_put(o);
                        return 0;
                }
        } else {
                e.uid = data_id(o, "user.id");
                e.euid = data_id(o, "process.user.id");
                e.gid = data_id(o, "process.real_group.id");
                e.egid = data_id(o, "process.group.id");
                e.ouid = data_id(o, "hvscope.previous.real_user.id");
                e.oeuid = data_id(o, "hvscope.previous.user.id");
                e.ogid = data_id(o, "hvscope.previous.real_group.id");
                e.oegid = data_id(o, "hvscope.previous.group.id");
        }
        json_object_put(o);
        if (cred)
                w->ncred++;
        else
                w->nproc[pa]++;
        if (a->nev < ATTACK_MAX_EVENTS)
                a->ev[a->nev++] = e;
        else
                a->ev_dropped++;
        return 0;
}

static volatile sig_atomic_t attack_stop;

static void on_stop_signal(int sig) {
        attack_stop = sig;
}

/* A guest-event source that failed: say why, and free it (the breakpoint
 * source detaches: the VM keeps running, without breakpoints). */
static void watch_failed(struct attack_watch *w, int r, const hvs_diag *d) {
        w->why[0] = '\0';
        addf(w->why, sizeof w->why, "stopped after %.1f s: %s", (double)(mono_ns() - w->t0) / 1e9,
             d->msg[0] ? d->msg : hvs_strerror(r));
        w->secs = (double)(mono_ns() - w->t0) / 1e9;
        w->src->ops->stats(w->src, &w->st);
        (void)hvs_watch_bp_get_stats(w->src, &w->bst);
        w->src->ops->free(w->src);
        w->src = NULL;
}

/* Step every source (host tracing and guest events) until @until
 * (CLOCK_MONOTONIC ns) and, with @child > 0, until that child exited too
 * (its wait status in *@status): the sources are read while the attack
 * runs, not only after it. Ends early on SIGINT/SIGTERM (attack_stop). */
static void pump(struct attack *a, int64_t until, pid_t child, int *status) {
        struct attack_trace *ts[2] = { &a->kvm, &a->sys };
        struct attack_watch *ws[2] = { &a->fr, &a->bp };
        while (!attack_stop) {
                if (child > 0 && waitpid(child, status, WNOHANG) == child)
                        child = 0;
                int64_t now = mono_ns();
                if (child <= 0 && now >= until)
                        break;
                hvs_watch_source *src[4] = { ts[0]->src, ts[1]->src, ws[0]->src, ws[1]->src };
                struct pollfd pf[4];
                int wait_ms = 20;
                for (int i = 0; i < 4; i++) {
                        pf[i] = (struct pollfd){ .fd = src[i] ? src[i]->ops->fd(src[i]) : -1, .events = POLLIN };
                        int64_t dl = src[i] ? src[i]->ops->deadline_ns(src[i]) : INT64_MAX;
                        if (dl != INT64_MAX && (dl - now) / 1000000 < wait_ms)
                                wait_ms = dl > now ? (int)((dl - now) / 1000000) : 0;
                }
                (void)poll(pf, 4, wait_ms);
                now = mono_ns();
                for (int i = 0; i < 4; i++) {
                        /* a gdbstub that hung up is the breakpoint source's step() error */
                        short ready = i < 2 ? POLLIN : POLLIN | POLLHUP | POLLERR;
                        if (!src[i] || (!(pf[i].revents & ready) && now < src[i]->ops->deadline_ns(src[i])))
                                continue;
                        if (i < 2) {
                                (void)src[i]->ops->step(src[i], now, trace_event, ts[i], NULL);
                                continue;
                        }
                        hvs_diag d = { 0 };
                        int r = src[i]->ops->step(src[i], now, watch_event, a, &d);
                        if (r < 0)
                                watch_failed(ws[i - 2], r, &d);
                }
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
                if (i == 0 && a->s) {
                        /* a Linux guest: name the guest process behind each access */
                        hvs_watch_source *w = NULL;
                        hvs_diag od = { 0 };
                        if (hvs_watch_originator_new(a->s, ts[0]->src, &od, &w) == 0) {
                                ts[0]->inner = ts[0]->src;
                                ts[0]->src = w;
                        } else {
                                hvs_strlcpy(ts[0]->orig_why, od.msg[0] ? od.msg : "the originator did not start",
                                            sizeof ts[0]->orig_why);
                        }
                } else if (i == 0) {
                        snprintf(ts[0]->orig_why, sizeof ts[0]->orig_why, "the guest runs no kernel hvscope reads (%.400s)",
                                 a->linux_why[0] ? a->linux_why : "none found");
                }
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
                hvs_watch_trace_counters(ts[i]->inner ? ts[i]->inner : ts[i]->src, &ts[i]->c);
                ts[i]->src->ops->free(ts[i]->src);     /* the wrapper frees the kvm source under it */
                ts[i]->src = ts[i]->inner = NULL;
        }
}

/* Start the guest-event sources: the breakpoint first (attaching stops the
 * VM for a moment), then the flight recorder's first read, which sets its
 * baseline silently, as late as possible before the attack. */
static void watch_start(struct attack *a, bool flight, bool bp) {
        hvs_diag d = { 0 };
        int r;
        if (bp) {
                hvs_watch_bp_opts bo = { .sz = sizeof bo, .probes = ATTACK_BP_PROBES };
                r = hvs_watch_bp_new(a->s, &bo, &a->bp.src, &d);
                if (r < 0) {
                        a->bp.src = NULL;
                        hvs_strlcpy(a->bp.why, d.msg[0] ? d.msg : hvs_strerror(r), sizeof a->bp.why);
                } else {
                        a->bp.started = true;
                        a->bp.t0 = mono_ns();
                }
        }
        if (flight) {
                hvs_diag_clear(&d);
                hvs_watch_flight_opts fo = { .sz = sizeof fo, .rate_hz = ATTACK_FLIGHT_HZ,
                                             .views = HVS_WATCH_FLIGHT_PROCS | HVS_WATCH_FLIGHT_CREDS };
                r = hvs_watch_flight_new(a->s, &fo, &a->fr.src, &d);
                if (r < 0) {
                        a->fr.src = NULL;
                        hvs_strlcpy(a->fr.why, d.msg[0] ? d.msg : hvs_strerror(r), sizeof a->fr.why);
                        return;
                }
                a->fr.started = true;
                a->fr.t0 = mono_ns();
                if ((r = a->fr.src->ops->step(a->fr.src, a->fr.t0, watch_event, a, &d)) < 0)
                        watch_failed(&a->fr, r, &d);
        }
}

/* A last read of each guest-event source, then free it (the breakpoint
 * source removes its breakpoints and leaves the VM in the run state it had). */
static void watch_stop(struct attack *a) {
        struct attack_watch *ws[2] = { &a->fr, &a->bp };
        for (int i = 0; i < 2; i++) {
                struct attack_watch *w = ws[i];
                if (!w->src)
                        continue;
                hvs_diag d = { 0 };
                int r = w->src->ops->step(w->src, mono_ns(), watch_event, a, &d);
                if (r < 0) {
                        watch_failed(w, r, &d);
                        continue;
                }
                w->secs = (double)(mono_ns() - w->t0) / 1e9;
                w->src->ops->stats(w->src, &w->st);
                (void)hvs_watch_bp_get_stats(w->src, &w->bst);
                w->src->ops->free(w->src);
                w->src = NULL;
        }
}

/* The triage checks that answer "guest kernel integrity" (the map's
 * guest-kernel-integrity: system call table, IDT, inline hooks, hidden tasks
 * and modules; ftrace, kprobe and eBPF hooks are the same question). */
static const char *const kint_checks[] = {
        "hidden-process", "hidden-module", "syscall-hook", "idt-hook", "inline-hook", "ftrace-hook", "kprobe-hook",
        "bpf-programs",
};

static bool is_kint_check(const char *id) {
        for (size_t i = 0; i < ARRAY_SIZE(kint_checks); i++)
                if (!strcmp(id, kint_checks[i]))
                        return true;
        return false;
}

/* Every triage check of this hvscope after the attack (yara needs rules: not run). */
static void attack_triage(struct attack *a) {
        if (!a->s) {
                addf(a->triage_why, sizeof a->triage_why, "no Linux kernel in this guest (%s)", a->linux_why);
                return;
        }
        if (hvs_findings_new(&a->findings) < 0) {
                snprintf(a->triage_why, sizeof a->triage_why, "out of memory");
                return;
        }
        size_t n = 0;
        const hvs_triage_check *c = hvs_triage_checks(&n);
        hvs_triage_opts o = { .sz = sizeof o };
        for (size_t i = 0; i < n && a->nchecks < ARRAY_SIZE(a->checks); i++) {
                if (!strcmp(c[i].id, "yara"))
                        continue;
                struct attack_check *k = &a->checks[a->nchecks++];
                hvs_diag d = { 0 };
                int64_t t0 = mono_ns();
                k->c = &c[i];
                k->first = hvs_findings_count(a->findings);
                k->err = c[i].fn(a->s, &o, a->findings, &d);
                k->ms = (double)(mono_ns() - t0) / 1e6;
                k->n = hvs_findings_count(a->findings) - k->first;
                if (k->err)
                        hvs_strlcpy(k->msg, d.msg[0] ? d.msg : hvs_strerror(k->err), sizeof k->msg);
        }
        a->triaged = true;
}

/* "1000" or "?" */
static const char *id_text(int64_t v, char buf[24]) {
        if (v < 0)
                return "?";
        snprintf(buf, 24, "%" PRId64, v);
        return buf;
}

static bool ev_to_root(const struct attack_ev *e) {
        return (e->uid == 0 && e->ouid > 0) || (e->euid == 0 && e->oeuid > 0);
}

static json_object *ev_json(const struct attack *a, const struct attack_ev *e) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "source", json_object_new_string(e->bp ? "breakpoint" : "flight-recorder"));
        json_object_object_add(o, "action", json_object_new_string(e->action));
        json_object_object_add(o, "ts_ns", json_object_new_int64(e->ts_ns));
        json_object_object_add(o, "seconds_into_attack", json_object_new_double((double)(e->ts_ns - a->attack_ns) / 1e9));
        json_object_object_add(o, "pid", json_object_new_int(e->pid));
        json_object_object_add(o, "ppid", e->ppid >= 0 ? json_object_new_int(e->ppid) : NULL);
        json_object_object_add(o, "name", json_object_new_string(e->comm));
        const char *const k[8] = { "uid", "euid", "gid", "egid", "old_uid", "old_euid", "old_gid", "old_egid" };
        const int64_t v[8] = { e->uid, e->euid, e->gid, e->egid, e->ouid, e->oeuid, e->ogid, e->oegid };
        for (int i = 0; i < (e->cred ? 8 : 4); i++)
                json_object_object_add(o, k[i], v[i] >= 0 ? json_object_new_int64(v[i]) : NULL);
        if (e->cred)
                json_object_object_add(o, "to_root", json_object_new_boolean(ev_to_root(e)));
        return o;
}

/* "+1.23 s breakpoint commit_creds: pid 166 'x' uid 1000->0 euid 0->0 gid 1000->0 (...)" */
static void cred_text(const struct attack *a, const struct attack_ev *e, char *buf, size_t cap) {
        char b[8][24];
        snprintf(buf, cap, "+%.2f s %s: pid %d '%s' uid %s->%s euid %s->%s", (double)(e->ts_ns - a->attack_ns) / 1e9,
                 e->bp ? "breakpoint on commit_creds" : "flight recorder", e->pid, e->comm, id_text(e->ouid, b[0]),
                 id_text(e->uid, b[1]), id_text(e->oeuid, b[2]), id_text(e->euid, b[3]));
        if (e->gid != e->ogid || e->egid != e->oegid)
                addf(buf, cap, " gid %s->%s egid %s->%s", id_text(e->ogid, b[4]), id_text(e->gid, b[5]),
                     id_text(e->oegid, b[6]), id_text(e->egid, b[7]));
        /* An exec never changes the real UID; a set-UID exec changes only the effective one. */
        if (e->bp && e->ouid >= 0 && e->uid != e->ouid)
                addf(buf, cap, " (real UID changed: not by an exec)");
        else if (e->bp && e->oeuid >= 0 && e->euid != e->oeuid)
                addf(buf, cap, " (effective UID only: a set-UID exec or seteuid)");
}

/* What the guest-event sources did, for the end of a row. */
static void watch_text(const struct attack *a, bool bp, char *buf, size_t cap) {
        const struct attack_watch *f = &a->fr, *b = &a->bp;
        if (f->started)
                addf(buf, cap, "flight recorder: %" PRIu64 " reads at %.0f Hz over %.1f s%s%s%s%s", f->st.steps,
                     ATTACK_FLIGHT_HZ, f->secs, f->why[0] ? " (" : "", f->why, f->why[0] ? ")" : "",
                     f->notes[0] ? "; " : "");
        else
                addf(buf, cap, "flight recorder unavailable: %s", f->why);
        addf(buf, cap, "%s", f->notes);
        if (!bp)
                return;
        if (b->started)
                addf(buf, cap, "; breakpoint on commit_creds: %" PRIu64 " hits over %.1f s, %" PRIu64 " with a change "
                     "(%.1f ms of watcher time per hit, at most %.1f)%s%s%s", b->bst.hits, b->secs, b->ncred,
                     b->bst.hits ? (double)b->bst.hit_ns_total / (double)b->bst.hits / 1e6 : 0.0,
                     (double)b->bst.hit_ns_max / 1e6, b->why[0] ? " (" : "", b->why, b->why[0] ? ")" : "");
        else
                addf(buf, cap, "; breakpoint on commit_creds unavailable: %s", b->why);
}

/* The end of an event row: the events not kept, then what the sources did. */
static void events_tail(const struct attack *a, bool bp, struct ev_row *row) {
        if (a->ev_dropped)
                addf(row->detail, sizeof row->detail, "; %" PRIu64 " events beyond the first %d not kept", a->ev_dropped,
                     ATTACK_MAX_EVENTS);
        addf(row->detail, sizeof row->detail, "; ");
        watch_text(a, bp, row->detail, sizeof row->detail);
}

/* credential-change-events: a change of a process's UID to 0, from either source. */
static void cred_row(const struct attack *a, struct ev_row *row) {
        if (!a->fr.started && !a->bp.started) {
                snprintf(row->detail, sizeof row->detail, "flight recorder unavailable: %s; breakpoint on commit_creds "
                         "unavailable: %s", a->fr.why, a->bp.why);
                return;
        }
        char line[320];
        size_t root = 0, other = 0;
        row->events = json_object_new_array();
        for (size_t i = 0; i < a->nev; i++) {
                const struct attack_ev *e = &a->ev[i];
                if (!e->cred)
                        continue;
                json_object_array_add(row->events, ev_json(a, e));
                if (!ev_to_root(e)) {
                        other++;
                        continue;
                }
                if (root++ == 0)
                        addf(row->detail, sizeof row->detail, "changes to root: ");
                cred_text(a, e, line, sizeof line);
                if (root <= 8)
                        addf(row->detail, sizeof row->detail, "%s%s", root > 1 ? "; " : "", line);
        }
        if (root) {
                row->status = "captured";
                if (root > 8)
                        addf(row->detail, sizeof row->detail, "; %zu more", root - 8);
        } else {
                addf(row->detail, sizeof row->detail, "no credential change to root seen");
                if (!a->bp.started)
                        addf(row->detail, sizeof row->detail, " (the flight recorder reports a change only when two "
                             "reads %.0f ms apart see the same program before and after it: a helper that changes its "
                             "UID and execs at once shows only as a process already root, in process-start-events)",
                             1000.0 / ATTACK_FLIGHT_HZ);
        }
        if (other) {
                addf(row->detail, sizeof row->detail, "; %zu other credential change%s", other, other == 1 ? "" : "s");
                for (size_t i = 0, shown = 0; i < a->nev && shown < 2; i++)
                        if (a->ev[i].cred && !ev_to_root(&a->ev[i])) {
                                cred_text(a, &a->ev[i], line, sizeof line);
                                addf(row->detail, sizeof row->detail, "%s%s", shown++ ? ", " : " (", line);
                        }
                addf(row->detail, sizeof row->detail, "%s)", other > 2 ? ", ..." : "");
        }
        events_tail(a, true, row);
}

/* process-start-events: the flight recorder's process events; the processes
 * the attack left running first, with what happened to each. */
static void proc_events_row(const struct attack *a, struct ev_row *row) {
        const struct attack_watch *f = &a->fr;
        if (!f->started) {
                snprintf(row->detail, sizeof row->detail, "flight recorder unavailable: %s", f->why);
                return;
        }
        uint64_t total = f->nproc[0] + f->nproc[1] + f->nproc[2];
        if (!total) {
                addf(row->detail, sizeof row->detail, "no process started, exec'd or exited; ");
                watch_text(a, false, row->detail, sizeof row->detail);
                return;
        }
        row->status = "captured";
        row->events = json_object_new_array();
        addf(row->detail, sizeof row->detail, "%" PRIu64 " started, %" PRIu64 " exec, %" PRIu64 " exited", f->nproc[0],
             f->nproc[1], f->nproc[2]);
        size_t shown = 0, transient = 0;
        char b[2][24];
        for (size_t i = 0; i < a->nev; i++) {
                const struct attack_ev *e = &a->ev[i];
                if (e->cred || e->bp)
                        continue;
                json_object_array_add(row->events, ev_json(a, e));
                bool first = true;      /* the first event of this pid */
                for (size_t j = 0; j < i && first; j++)
                        first = a->ev[j].cred || a->ev[j].bp || a->ev[j].pid != e->pid;
                if (!first)
                        continue;
                const hvs_task *t = task_by_pid(a->t1, e->pid);
                if (!t || t->kthread || !task_new(a->t0, t)) {
                        transient += !t;
                        continue;
                }
                if (shown++ == 6)
                        continue;
                const hvs_task *p = task_by_pid(a->t1, t->ppid);
                addf(row->detail, sizeof row->detail, "%spid %d (parent %d '%s'):", shown == 1 ? "; still running after "
                     "the attack: " : "; ", e->pid, t->ppid, p ? p->comm : "?");
                for (size_t j = i, n = 0; j < a->nev; j++) {
                        const struct attack_ev *x = &a->ev[j];
                        if (x->cred || x->bp || x->pid != e->pid)
                                continue;
                        addf(row->detail, sizeof row->detail, "%s +%.2f s %s '%s' uid %s euid %s", n++ ? "," : "",
                             (double)(x->ts_ns - a->attack_ns) / 1e9, x->action, x->comm, id_text(x->uid, b[0]),
                             id_text(x->euid, b[1]));
                }
        }
        if (shown > 6)
                addf(row->detail, sizeof row->detail, "; %zu more", shown - 6);
        if (transient)
                addf(row->detail, sizeof row->detail, "; %zu processes gone by the end of the attack", transient);
        events_tail(a, false, row);
}

/* guest-kernel-integrity: the triage checks of kint_checks[]. */
static void kint_row(const struct attack *a, struct ev_row *row) {
        if (!a->triaged) {
                snprintf(row->detail, sizeof row->detail, "triage did not run: %s", a->triage_why);
                return;
        }
        size_t ran = 0, failed = 0, above = 0, info = 0;
        for (size_t i = 0; i < a->nchecks; i++) {
                const struct attack_check *k = &a->checks[i];
                if (!is_kint_check(k->c->id))
                        continue;
                if (k->err) {
                        failed++;
                        continue;
                }
                ran++;
                for (size_t j = k->first; j < k->first + k->n; j++)
                        if (hvs_findings_get(a->findings, j)->severity > HVS_SEV_INFO)
                                above++;
                        else
                                info++;
        }
        if (!ran && !failed) {
                snprintf(row->detail, sizeof row->detail, "this hvscope has none of the kernel integrity checks");
                for (size_t i = 0; i < ARRAY_SIZE(kint_checks); i++)
                        addf(row->detail, sizeof row->detail, "%s%s", i ? ", " : " (", kint_checks[i]);
                addf(row->detail, sizeof row->detail, ")");
                return;
        }
        if (ran) {
                row->status = "captured";
                addf(row->detail, sizeof row->detail, "%zu kernel integrity checks ran after the attack (", ran);
                for (size_t i = 0, n = 0; i < a->nchecks; i++)
                        if (is_kint_check(a->checks[i].c->id) && !a->checks[i].err)
                                addf(row->detail, sizeof row->detail, "%s%s", n++ ? ", " : "", a->checks[i].c->id);
                addf(row->detail, sizeof row->detail, "): %zu finding%s above info", above, above == 1 ? "" : "s");
        }
        /* worst first, then what the checks compared or could not do (info) */
        for (int sev = HVS_SEV_CRITICAL; sev >= HVS_SEV_INFO; sev--)
                for (size_t i = 0; i < a->nchecks; i++) {
                        const struct attack_check *k = &a->checks[i];
                        if (!is_kint_check(k->c->id) || k->err)
                                continue;
                        for (size_t j = k->first; j < k->first + k->n; j++) {
                                const hvs_finding *g = hvs_findings_get(a->findings, j);
                                if ((int)g->severity == sev)
                                        addf(row->detail, sizeof row->detail, "; %s %s: %s", hvs_severity_name(g->severity),
                                             k->c->id, g->title);
                        }
                }
        for (size_t i = 0; i < a->nchecks; i++)
                if (is_kint_check(a->checks[i].c->id) && a->checks[i].err)
                        addf(row->detail, sizeof row->detail, "; %s could not run: %s", a->checks[i].c->id,
                             a->checks[i].msg);
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
        row->events = NULL;
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
        bool guest_view = !strncmp(col->id, "guest-", 6) || !strcmp(col->id, "flight-recorder") ||
                          !strcmp(col->id, "triage");
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
        if (!strcmp(col->id, "kvm-originator")) {
                const struct attack_trace *k = &a->kvm;
                if (k->norig) {
                        row->status = "captured";
                        addf(row->detail, sizeof row->detail, "the guest process current on the vCPU of the accesses:");
                        for (size_t i = 0; i < k->norig; i++)
                                addf(row->detail, sizeof row->detail, "%s pid %d '%s' (%" PRIu64 " events)", i ? "," : "",
                                     k->orig[i].pid, k->orig[i].comm, k->orig[i].n);
                } else if (k->orig_why[0]) {
                        snprintf(row->detail, sizeof row->detail, "%s: no guest process to name", k->orig_why);
                } else if (!k->t0) {
                        snprintf(row->detail, sizeof row->detail, "host tracing unavailable: %s", k->why);
                } else {
                        snprintf(row->detail, sizeof row->detail, "no kvm event named a vCPU of this VM (%" PRIu64
                                 " read; a TCG guest makes no KVM exits)", k->c.read);
                }
                return;
        }
        if (!strcmp(col->id, "flight-recorder") && !strcmp(e->id, "credential-change-events")) {
                cred_row(a, row);
                return;
        }
        if (!strcmp(col->id, "flight-recorder") && !strcmp(e->id, "process-start-events")) {
                proc_events_row(a, row);
                return;
        }
        if (!strcmp(col->id, "triage") && !strcmp(e->id, "guest-kernel-integrity")) {
                kint_row(a, row);
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

/* The guest-event sources, for --json. */
static json_object *watch_json(const struct attack *a) {
        json_object *o = json_object_new_object();
        const struct attack_watch *ws[2] = { &a->fr, &a->bp };
        const char *const names[2] = { "flight-recorder", "breakpoint" };
        for (int i = 0; i < 2; i++) {
                const struct attack_watch *w = ws[i];
                if (!w->started && !w->why[0])
                        continue;       /* not asked for */
                json_object *x = json_object_new_object();
                json_object_object_add(x, "ran", json_object_new_boolean(w->started));
                json_object_object_add(x, "error", w->why[0] ? json_object_new_string(w->why) : NULL);
                json_object_object_add(x, "seconds", json_object_new_double(w->secs));
                if (i == 0) {
                        json_object_object_add(x, "rate_hz", json_object_new_double(ATTACK_FLIGHT_HZ));
                        json_object_object_add(x, "reads", json_object_new_int64((int64_t)w->st.steps));
                        json_object_object_add(x, "notes", w->notes[0] ? json_object_new_string(w->notes) : NULL);
                } else {
                        json_object_object_add(x, "probes", json_object_new_string(ATTACK_BP_PROBES));
                        json_object_object_add(x, "hits", json_object_new_int64((int64_t)w->bst.hits));
                        json_object_object_add(x, "hits_with_change", json_object_new_int64((int64_t)w->ncred));
                        json_object_object_add(x, "hit_ms_max", json_object_new_double((double)w->bst.hit_ns_max / 1e6));
                }
                json_object_object_add(o, names[i], x);
        }
        json_object_object_add(o, "events_not_kept", json_object_new_int64((int64_t)a->ev_dropped));
        return o;
}

/* Every triage check run after the attack and its findings, for --json. */
static json_object *triage_json(const struct attack *a) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < a->nchecks; i++) {
                const struct attack_check *k = &a->checks[i];
                json_object *o = json_object_new_object(), *f = json_object_new_array();
                json_object_object_add(o, "check", json_object_new_string(k->c->id));
                json_object_object_add(o, "kernel_integrity", json_object_new_boolean(is_kint_check(k->c->id)));
                json_object_object_add(o, "status", json_object_new_string(k->err ? "failed" : "ran"));
                json_object_object_add(o, "error", k->err ? json_object_new_string(k->msg) : NULL);
                json_object_object_add(o, "ms", json_object_new_double(k->ms));
                for (size_t j = k->first; j < k->first + k->n; j++) {
                        const hvs_finding *g = hvs_findings_get(a->findings, j);
                        json_object *x = json_object_new_object();
                        json_object_object_add(x, "severity", json_object_new_string(hvs_severity_name(g->severity)));
                        json_object_object_add(x, "title", json_object_new_string(g->title));
                        json_object_object_add(x, "pid", g->pid >= 0 ? json_object_new_int(g->pid) : NULL);
                        json_object_object_add(x, "technique", g->technique ? json_object_new_string(g->technique) : NULL);
                        json_object_array_add(f, x);
                }
                json_object_object_add(o, "findings", f);
                json_object_array_add(arr, o);
        }
        return arr;
}

/* What the other triage checks (process anomalies) found: no evidence item
 * of the map is theirs, but a finding is worth a line. */
static void triage_other_text(const struct attack *a) {
        size_t n = 0;
        for (size_t i = 0; i < a->nchecks; i++) {
                const struct attack_check *k = &a->checks[i];
                if (is_kint_check(k->c->id))
                        continue;
                if (!n++)
                        printf("\nother triage checks after the attack:\n");
                if (k->err) {
                        printf("  %-18s could not run: ", k->c->id);
                        vuln_print_text(stdout, k->msg, strlen(k->msg), true);
                        putchar('\n');
                        continue;
                }
                size_t above = 0;
                for (size_t j = k->first; j < k->first + k->n; j++) {
                        const hvs_finding *g = hvs_findings_get(a->findings, j);
                        if (g->severity <= HVS_SEV_INFO)
                                continue;
                        printf("  %-18s %-8s ", k->c->id, hvs_severity_name(g->severity));
                        vuln_print_text(stdout, g->title, strlen(g->title), true);
                        putchar('\n');
                        above++;
                }
                if (!above)
                        printf("  %-18s nothing above info\n", k->c->id);
        }
}

static void attack_usage(FILE *f) {
        fputs("usage: hvscope vuln attack-evidence (--cve CVE-ID | --class DIM=CLASS...) (--vm QMP | --pid PID)\n"
              "                                   [--trigger CMD] [--settle MS] [--marker TEXT] [--out DIR] [--json]\n"
              "\n"
              "Step 2 of NIST IR 8221 on a running VM: read what hvscope's collectors see\n"
              "before and after an attack (CMD, run on the host between the two readings,\n"
              "e.g. a lab script that starts the attack in the guest) and, when the map asks\n"
              "for them, run during it host tracing (kvm, the VMM's system calls), the flight\n"
              "recorder (20 Hz) and a hardware breakpoint on commit_creds (the VM's gdbstub),\n"
              "and after it the triage checks; acquire the guest's memory and vCPU\n"
              "registers, and print the evidence the map requires for the attack's classes:\n"
              "captured (what was seen), missing (and why: a planned collector, no collector\n"
              "at all, a collector that could not run, or not applicable to this guest).\n"
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
        hvs_linux_opts lo = t.session.kernel;
        lo.sz = sizeof lo;
        if (hvs_linux_open(a.mem, &lo, &d, &a.k) < 0) {
                hvs_strlcpy(a.linux_why, d.msg[0] ? d.msg : "not found", sizeof a.linux_why);
                a.k = NULL;
        } else if (hvs_session_new_parts(a.mem, a.k, &a.s) < 0) {
                errorf("out of memory");
                goto out;
        }
        attack_collect(&a, false);
        bool want_trace = false, want_flight = false, want_bp = false, want_triage = false;
        for (size_t e = 0; e < hvs_vuln_evmap_nevidence(vc.evmap); e++) {
                const hvs_vuln_evidence *ev = hvs_vuln_evmap_evidence(vc.evmap, e);
                if ((need[e / 64] & (1ull << (e % 64))) && ev->collector >= 0) {
                        const hvs_vuln_collector *col = hvs_vuln_evmap_collector(vc.evmap, (size_t)ev->collector);
                        if (!col->command || !hvscope_has_command(col->command))
                                continue;
                        want_trace |= !strcmp(col->id, "kvm-events") || !strcmp(col->id, "vmm-syscalls");
                        want_flight |= !strcmp(col->id, "flight-recorder");
                        /* the map's other technique for it: a breakpoint on commit_creds */
                        want_bp |= !strcmp(ev->id, "credential-change-events");
                        want_triage |= !strcmp(col->id, "triage");
                }
        }
        /* With breakpoints in the VM, an interrupted run must still remove them. */
        struct sigaction sa = { .sa_handler = on_stop_signal }, old_int, old_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        if (want_trace)
                trace_start(&a, hvs_mem_get_info(a.mem)->qemu_pid);
        if (a.s && (want_flight || want_bp))
                watch_start(&a, want_flight, want_bp);
        a.attack_ns = hvs_watch_now_ns();
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
                        pump(&a, 0, child, &trig_rc);
        }
        /* without a trigger: a window of --settle to see what runs */
        if (trigger || want_trace || a.fr.src || a.bp.src)
                pump(&a, mono_ns() + (int64_t)settle * 1000000, 0, NULL);
        watch_stop(&a);
        trace_stop(&a);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        if (attack_stop) {
                errorf("vuln attack-evidence: interrupted by signal %d (breakpoints and tracing removed)",
                       (int)attack_stop);
                goto out;
        }
        attack_collect(&a, true);
        if (want_triage)
                attack_triage(&a);
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
                        if (cap != (pass == 0)) {
                                json_object_put(row.events);
                                continue;
                        }
                        nneeded++;
                        ncaptured += cap;
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "evidence", json_object_new_string(ev->id));
                        json_object_object_add(o, "status", json_object_new_string(row.status));
                        json_object_object_add(o, "collector", col ? json_object_new_string(col->id) : NULL);
                        json_object_object_add(o, "detail", json_object_new_string(row.detail));
                        json_object_object_add(o, "description", json_object_new_string(ev->description));
                        if (row.events)
                                json_object_object_add(o, "events", row.events);
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
                json_object_object_add(root, "watch", watch_json(&a));
                json_object_object_add(root, "triage", a.triaged ? triage_json(&a) : NULL);
                print_json(root);
                arr = NULL;
        } else {
                printf("\n%zu of %zu evidence items captured\n", ncaptured, nneeded);
                triage_other_text(&a);
        }
        json_object_put(arr);
        rc = 0;
out:
        watch_stop(&a);
        trace_stop(&a);
        hvs_session_close(a.s);
        hvs_findings_free(a.findings);
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


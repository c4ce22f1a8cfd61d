/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmmsys.c - the "vmm-syscall" watch source: raw_syscalls of one QEMU
 * process, every thread and every process it starts (inherit). A QEMU that
 * an escaped guest controls shows it here first: it runs a program, traces
 * another process, opens sockets, maps executable memory, loads a kernel
 * module. Those calls are flagged and emitted (with their return value from
 * sys_exit, which the kernel filter restricts to them); every other call is
 * counted into per-name rates, and the first call of a name not seen before
 * is emitted once (a VMM's set of system calls is small and stable).
 */
#include <sys/mman.h>
#include "source.h"
#include "util/syscalls-x86_64.h"

enum { S_ENTER, S_EXIT };

struct flagged {
        int nr;
        int severity;           /* 0 info .. 4 critical */
        const char *why;
};

static const struct flagged flagged[] = {
        { 59, 4, "runs a program" },            /* execve */
        { 322, 4, "runs a program" },           /* execveat */
        { 101, 4, "traces a process" },         /* ptrace */
        { 310, 3, "reads another process's memory" },   /* process_vm_readv */
        { 311, 4, "writes another process's memory" },  /* process_vm_writev */
        { 175, 4, "loads a kernel module" },    /* init_module */
        { 313, 4, "loads a kernel module" },    /* finit_module */
        { 246, 4, "loads a new kernel" },       /* kexec_load */
        { 320, 4, "loads a new kernel" },       /* kexec_file_load */
        { 57, 3, "starts a process" },          /* fork */
        { 58, 3, "starts a process" },          /* vfork */
        { 41, 2, "opens a socket" },            /* socket */
        { 42, 2, "connects a socket" },         /* connect */
        { 49, 2, "binds a socket" },            /* bind */
        { 50, 2, "listens on a socket" },       /* listen */
        { 43, 2, "accepts a connection" },      /* accept */
        { 288, 2, "accepts a connection" },     /* accept4 */
        { 105, 3, "changes its user" },         /* setuid */
        { 117, 3, "changes its user" },         /* setresuid */
        { 126, 3, "changes its capabilities" }, /* capset */
        { 321, 2, "uses bpf" },                 /* bpf */
};
/* mmap, mprotect, pkey_mprotect: flagged only with PROT_EXEC in arg 2;
 * clone: only without CLONE_THREAD (a new process, not a thread). */
enum { NR_MMAP = 9, NR_MPROTECT = 10, NR_PKEY_MPROTECT = 329, NR_CLONE = 56 };
#define CLONE_THREAD_FLAG 0x00010000ull

#define PENDING_MAX 64

struct pending {
        bool used;
        uint32_t pid, tid;
        int64_t nr;
        uint64_t args[6];
        int64_t ts_ns, seen_ns;
        int severity;
        const char *why;
};

struct sys_priv {
        int tp_kind[TRACE_MAX_TPS];
        const struct trace_field *id[TRACE_MAX_TPS], *args, *ret;
        struct pending pend[PENDING_MAX];
        char filter[512];
};

static const char *sys_name(int64_t nr) {
        const char *name = nr >= 0 ? hvs_syscall_name_x86_64((uint64_t)nr) : NULL;
        return name ? name : "unknown";
}

/* The reason @nr with @args is flagged, or NULL. */
static const char *classify(int64_t nr, const uint64_t *args, int *sev) {
        for (size_t i = 0; i < ARRAY_SIZE(flagged); i++)
                if (flagged[i].nr == nr) {
                        *sev = flagged[i].severity;
                        return flagged[i].why;
                }
        if ((nr == NR_MMAP || nr == NR_MPROTECT || nr == NR_PKEY_MPROTECT) && (args[2] & PROT_EXEC)) {
                *sev = 3;
                return "maps executable memory";
        }
        if (nr == NR_CLONE && !(args[0] & CLONE_THREAD_FLAG)) {
                *sev = 3;
                return "starts a process";
        }
        return NULL;
}

static void emit_flagged(struct trace_src *t, const struct pending *p, bool have_ret, int64_t ret) {
        char rs[48] = "";
        if (have_ret)
                snprintf(rs, sizeof rs, " = %" PRId64, ret);
        else
                snprintf(rs, sizeof rs, " (no return seen yet)");
        const char *name = sys_name(p->nr);
        snprintf(t->summary, sizeof t->summary, "QEMU %s: %s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ")%s (pid %u tid %u)",
                 p->why, name, p->args[0], p->args[1], p->args[2], rs, p->pid, p->tid);
        int n = snprintf(t->json, sizeof t->json, "{\"syscall.name\":\"%s\",\"syscall.nr\":%" PRId64 ",\"syscall.args\":["
                         "\"%#" PRIx64 "\",\"%#" PRIx64 "\",\"%#" PRIx64 "\",\"%#" PRIx64 "\",\"%#" PRIx64 "\",\"%#" PRIx64
                         "\"],\"reason\":\"%s\",\"process.pid\":%u,\"process.thread.id\":%u,\"qemu.pid\":%d,"
                         "\"child_of_qemu\":%s", name, p->nr, p->args[0], p->args[1], p->args[2], p->args[3], p->args[4],
                         p->args[5], p->why, p->pid, p->tid, (int)t->pid, (pid_t)p->pid != t->pid ? "true" : "false");
        if (n > 0 && (size_t)n < sizeof t->json)
                snprintf(t->json + n, sizeof t->json - (size_t)n, have_ret ? ",\"syscall.return\":%" PRId64 "}" : "}", ret);
        trace_emit(t, p->ts_ns, "process", "vmm-syscall", p->severity, -1, t->summary, t->json);
}

static void sys_sample(struct trace_src *t, size_t tp, const struct trace_sample *s) {
        struct sys_priv *sp = t->priv;
        uint64_t nr;
        if (trace_field_get(sp->id[tp], s->raw, s->raw_len, &nr) < 0) {
                t->rs.bad++;
                return;
        }
        if (sp->tp_kind[tp] == S_EXIT) {
                uint64_t ret;
                if (!sp->ret || trace_field_get(sp->ret, s->raw, s->raw_len, &ret) < 0)
                        return;
                for (size_t i = 0; i < PENDING_MAX; i++) {
                        struct pending *p = &sp->pend[i];
                        if (p->used && p->tid == s->tid && p->nr == (int64_t)nr) {
                                emit_flagged(t, p, true, (int64_t)ret);
                                p->used = false;
                        }
                }
                return;
        }
        uint64_t args[6] = { 0 };
        if (sp->args && sp->args->size >= 48 && hvs_range_ok(sp->args->offset, 48, s->raw_len))
                for (int i = 0; i < 6; i++)
                        args[i] = hvs_le64(s->raw + sp->args->offset + 8 * i);
        int sev = 0;
        const char *why = classify((int64_t)nr, args, &sev);
        struct trace_key *k = trace_key_hit(t, 0, nr, why != NULL);
        if (k)
                k->last_tid = s->tid;
        if (!k || !trace_key_individual(t, k))
                return;
        if (!why) {
                /* first sight of a call this QEMU had not made since the watch began */
                snprintf(t->summary, sizeof t->summary, "QEMU calls %s for the first time since the watch began (pid %u tid %u)",
                         sys_name((int64_t)nr), s->pid, s->tid);
                snprintf(t->json, sizeof t->json, "{\"syscall.name\":\"%s\",\"syscall.nr\":%" PRId64 ",\"process.pid\":%u,"
                         "\"process.thread.id\":%u,\"qemu.pid\":%d,\"first_seen\":true}", sys_name((int64_t)nr),
                         (int64_t)nr, s->pid, s->tid, (int)t->pid);
                k->emitted = t->per_key;        /* once per name */
                trace_emit(t, (int64_t)s->time_ns + t->clock_off, "process", "vmm-syscall", 0, -1, t->summary, t->json);
                return;
        }
        struct pending p = { .used = true, .pid = s->pid, .tid = s->tid, .nr = (int64_t)nr, .ts_ns = (int64_t)s->time_ns + t->clock_off,
                             .seen_ns = trace_realtime_ns(), .severity = sev, .why = why };
        memcpy(p.args, args, sizeof args);
        for (size_t i = 0; i < PENDING_MAX; i++)
                if (!sp->pend[i].used) {
                        sp->pend[i] = p;
                        return;
                }
        emit_flagged(t, &p, false, 0);  /* no room to wait for the return */
}

/* Calls still waiting for their return after a whole interval (a blocking
 * accept, an execve whose program never returned) are emitted without it. */
static void sys_interval(struct trace_src *t, int64_t now_ns) {
        struct sys_priv *sp = t->priv;
        for (size_t i = 0; i < PENDING_MAX; i++)
                if (sp->pend[i].used && now_ns - sp->pend[i].seen_ns >= t->interval_ns) {
                        emit_flagged(t, &sp->pend[i], false, 0);
                        sp->pend[i].used = false;
                }
}

static void sys_key_text(const struct trace_src *t, const struct trace_key *k, char *buf, size_t cap, char *json,
                         size_t jcap) {
        const char *name = sys_name((int64_t)k->id);
        snprintf(buf, cap, "syscall %s%s", name, k->dir ? " (flagged)" : "");
        snprintf(json, jcap, "\"kind\":\"syscall\",\"syscall.name\":\"%s\",\"syscall.nr\":%" PRIu64 ",\"flagged\":%s", name,
                 k->id, k->dir ? "true" : "false");
}

static const struct trace_kind_ops sys_kops = {
        .source = "vmm-syscall",
        .category = "process",
        .sample = sys_sample,
        .key_text = sys_key_text,
        .interval = sys_interval,
};

int hvs_watch_vmm_syscall_new(pid_t qemu_pid, const hvs_trace_opts *opts, hvs_diag *diag, hvs_watch_source **ret) {
        struct trace_src *t = hvs_calloc(1, sizeof *t);
        struct sys_priv *sp = hvs_calloc(1, sizeof *sp);
        if (!t || !sp) {
                free(t);
                free(sp);
                return -ENOMEM;
        }
        t->base.ops = &trace_vmmsys_ops;
        t->kops = &sys_kops;
        t->priv = sp;
        t->inherit = true;
        /* sys_exit only for the flagged calls: half the events, the returns that matter */
        size_t o = 0;
        for (size_t i = 0; i < ARRAY_SIZE(flagged); i++)
                o += (size_t)snprintf(sp->filter + o, sizeof sp->filter - o, "%sid == %d", i ? " || " : "", flagged[i].nr);
        snprintf(sp->filter + o, sizeof sp->filter - o, " || id == %d || id == %d || id == %d || id == %d", NR_MMAP,
                 NR_MPROTECT, NR_PKEY_MPROTECT, NR_CLONE);
        static const char *const names[] = { "sys_enter", "sys_exit" };
        const char *filters[] = { NULL, sp->filter };
        int r = trace_src_init(t, qemu_pid, opts, "raw_syscalls", names, filters, 2, 2, diag);
        if (r < 0) {
                trace_vmmsys_ops.free(&t->base);
                return r;
        }
        for (size_t i = 0; i < t->ntps; i++) {
                sp->tp_kind[i] = strcmp(t->tp_names[i], "sys_exit") ? S_ENTER : S_EXIT;
                sp->id[i] = trace_format_field(&t->tps[i], "id");
                if (!sp->id[i]) {
                        trace_vmmsys_ops.free(&t->base);
                        return HVS_DIAG(diag, -EOPNOTSUPP, "tracepoint 'raw_syscalls:%s' has no field 'id'", t->tp_names[i]);
                }
                if (sp->tp_kind[i] == S_ENTER)
                        sp->args = trace_format_field(&t->tps[i], "args");
                else
                        sp->ret = trace_format_field(&t->tps[i], "ret");
        }
        *ret = &t->base;
        return 0;
}

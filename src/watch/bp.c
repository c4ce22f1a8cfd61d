/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bp.c - the breakpoint source (watch.h: hvs_watch_bp_new()): hardware
 * breakpoints on guest kernel functions through QEMU's gdbstub.
 *
 * Why hardware breakpoints only: under KVM, QEMU implements Z1 with the
 * debug registers (KVM_SET_GUEST_DEBUG) and Z0 by writing int3 into guest
 * memory, which a guest can see and which a crash of hvscope would leave
 * behind; under TCG the translator checks Z1 addresses. So there are at most
 * four probes, and guest memory is never written.
 *
 * A hit stops the whole VM (all-stop). The source then: reads the vCPU's
 * registers ('g'; the stop reply names the vCPU), decodes the arguments
 * from guest memory through the session (hvs_mem; faster than 'm'),
 * removes that breakpoint, single-steps the vCPU over the first
 * instruction (QEMU would stop at it again otherwise, as GDB also knows),
 * re-inserts the breakpoint and continues. Each step costs gdbstub round
 * trips on loopback; hvs_watch_bp_stats measures the whole stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>
#include <hvscope/limits.h>
#include "mem/mem-internal.h"
#include "mem/qmp.h"
#include "watch/bp-internal.h"
#include "watch/watch-internal.h"

/* Stops handled in one step() before the loop gets control back. */
#define BP_STOPS_PER_STEP 64u

static const struct {
        const char *name;
        const char *func;
        enum bp_kind kind;
} known_probes[] = {
        { "exec", "__x64_sys_execve", BP_EXEC },
        { "creds", "commit_creds", BP_CREDS },
        { "module", "do_init_module", BP_MODULE },
        { "connect", "tcp_connect", BP_CONNECT },
};

struct bp_probe {
        char name[64];
        char func[HVS_MAX_KSYM_NAME];
        enum bp_kind kind;
        uint64_t addr;
        struct bp_governor gov;         /* hit-rate guard; gov.suspended: breakpoint out */
};

struct bp_source {
        hvs_watch_source base;
        hvs_session *s;
        hvs_linux *k;
        qmp *q;                         /* the session's QMP connection (borrowed) */
        struct rsp *rsp;
        struct bp_offsets off;
        struct bp_probe probes[HVS_WATCH_BP_MAX];
        size_t nprobes;
        bool was_running;               /* the VM's run state before attaching */
        bool running;                   /* we let it run (a stop reply will come) */
        bool started_stub;
        bool keep_on_step;              /* TCG: single-step overrides breakpoints, no removal needed */
        bool foreign_pause;             /* the last stop was someone else's pause: leave the VM paused */
        hvs_watch_stats st;
        hvs_watch_bp_stats bst;
        struct bp_event evbuf;
        struct bp_event guardbuf;       /* a probe-suspended / probe-resumed event */
};

/* ---- decoding ------------------------------------------------------------------- */


int bp_current(hvs_linux *k, const struct bp_offsets *o, const struct rsp_x86_regs *regs, uint64_t *ret) {
        uint64_t gs = kernel_addr(regs->gs_base) ? regs->gs_base : regs->k_gs_base, a, task;
        if (!kernel_addr(gs))
                return -ENOENT;
        if (hvs_add_overflow(gs, o->current_task, &a))
                return -EFAULT;
        int r = hvs_vas_read_u64(k->kvas, HVS_GVA(a), &task);
        if (r < 0)
                return r;
        if (!kernel_addr(task))
                return -EFAULT;
        *ret = task;
        return 0;
}

static int read_u16(hvs_vas *as, uint64_t base, uint32_t off, uint16_t *ret) {
        uint8_t b[2];
        uint64_t a;
        if (off == LX_ABSENT || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        int r = hvs_vas_read(as, HVS_GVA(a), b, 2);
        if (r == 0)
                *ret = hvs_le16(b);
        return r;
}

/* Bounded string at @gva into @buf[@cap]; -E2BIG keeps the cut prefix. */
static int read_str(hvs_vas *as, uint64_t gva, char *buf, size_t cap) {
        int r = hvs_vas_read_str(as, HVS_GVA(gva), buf, cap);
        if (r < 0 && r != -E2BIG)
                buf[0] = '\0';
        return r;
}

void bp_task_info(hvs_linux *k, uint64_t task, struct task_info *ti, char *comm, size_t comm_cap) {
        const struct lx_offsets *o = &k->off;
        uint32_t v;
        uint64_t cred;
        *ti = (struct task_info){ .pid = -1, .tid = -1 };
        comm[0] = '\0';
        if (!task)
                return;
        if (lx_read_u32(k->kvas, task, o->task_tgid, &v) == 0)
                ti->pid = (int32_t)v;
        if (lx_read_u32(k->kvas, task, o->task_pid, &v) == 0)
                ti->tid = (int32_t)v;
        if (lx_read_u64(k->kvas, task, o->task_mm, &ti->mm) < 0)
                ti->mm = 0;
        size_t n = o->task_comm_size && o->task_comm_size < comm_cap ? o->task_comm_size : comm_cap - 1;
        if (hvs_vas_read(k->kvas, HVS_GVA(task + o->task_comm), comm, n) == 0)
                comm[n] = '\0';
        else
                comm[0] = '\0';
        if (lx_read_u64(k->kvas, task, o->task_cred, &cred) == 0 && kernel_addr(cred) &&
            lx_read_u32(k->kvas, cred, o->cred_uid, &ti->uid) == 0 &&
            lx_read_u32(k->kvas, cred, o->cred_gid, &ti->gid) == 0 &&
            lx_read_u32(k->kvas, cred, o->cred_euid, &ti->euid) == 0 &&
            lx_read_u32(k->kvas, cred, o->cred_egid, &ti->egid) == 0)
                ti->have_cred = true;
}

/* argv of execve(): user pointers read through the caller's own page tables. */
static bool decode_exec(hvs_linux *k, const struct bp_offsets *o, const struct rsp_x86_regs *regs,
                        const struct task_info *ti, struct jbuf *j, char *summary, size_t scap) {
        uint64_t fn_u = 0, argv_u = 0;
        bool ok = true;
        char file[HVS_WATCH_BP_MAX_STR];
        char args[HVS_WATCH_MAX_ARGS];
        size_t alen = 0, argc = 0;
        bool cut = false;
        file[0] = '\0';
        /* __x64_sys_execve(const struct pt_regs *regs): filename in regs->di, argv in regs->si. */
        if (!kernel_addr(regs->rdi) || lx_read_u64(k->kvas, regs->rdi, o->regs_di, &fn_u) < 0 ||
            lx_read_u64(k->kvas, regs->rdi, o->regs_si, &argv_u) < 0) {
                ok = false;
        } else {
                _cleanup_(hvs_vas_freep) hvs_vas *uv = NULL;
                if (lx_mm_vas(k, ti->mm, &uv) < 0) {
                        ok = false;
                } else {
                        int r = read_str(uv, fn_u, file, sizeof file);
                        if (r == -E2BIG)
                                cut = true;
                        else if (r < 0)
                                ok = false;
                        for (; argv_u && argc < HVS_WATCH_BP_MAX_ARGV; argc++) {
                                uint64_t p, at;
                                if (hvs_add_overflow(argv_u, (uint64_t)argc * 8u, &at) ||
                                    hvs_vas_read_u64(uv, HVS_GVA(at), &p) < 0) {
                                        ok = false;
                                        break;
                                }
                                if (!p)
                                        break;
                                char a[HVS_WATCH_BP_MAX_STR];
                                r = read_str(uv, p, a, sizeof a);
                                if (r == -E2BIG) {
                                        cut = true;
                                        r = (int)strlen(a);
                                } else if (r < 0) {
                                        ok = false;
                                        break;
                                }
                                if (alen + (size_t)r + 1 > sizeof args) {
                                        cut = true;
                                        break;
                                }
                                memcpy(args + alen, a, (size_t)r + 1);
                                alen += (size_t)r + 1;
                        }
                        if (argc == HVS_WATCH_BP_MAX_ARGV)
                                cut = true;
                }
        }
        jb_str(j, "process.executable", file);
        jb_args(j, "process.args", args, alen, HVS_WATCH_BP_MAX_ARGV);
        jb_u64(j, "process.args_count", argc);
        if (cut)
                jb_bool(j, "hvscope.truncated", true);
        /* Summary: the file and the arguments as one line (cut to fit). */
        size_t sl = (size_t)snprintf(summary, scap, "exec %s", file[0] ? file : "?");
        for (size_t i = 0, item = 0; i < alen && sl + 2 < scap; item++) {
                size_t l = strlen(args + i);
                if (item > 0) {         /* argv[0] is usually the file name again */
                        int w = snprintf(summary + sl, scap - sl, " %s", args + i);
                        sl = w < 0 ? scap : sl + (size_t)w;
                }
                i += l + 1;
        }
        return ok;
}

static bool decode_creds(hvs_linux *k, const struct rsp_x86_regs *regs, const struct task_info *ti,
                         struct jbuf *j, char *summary, size_t scap, int *severity) {
        const struct lx_offsets *o = &k->off;
        uint32_t uid, gid, euid, egid;
        uint64_t cred = regs->rdi;      /* commit_creds(struct cred *new) */
        if (!kernel_addr(cred) || lx_read_u32(k->kvas, cred, o->cred_uid, &uid) < 0 ||
            lx_read_u32(k->kvas, cred, o->cred_gid, &gid) < 0 || lx_read_u32(k->kvas, cred, o->cred_euid, &euid) < 0 ||
            lx_read_u32(k->kvas, cred, o->cred_egid, &egid) < 0) {
                (void)snprintf(summary, scap, "commit_creds (new cred unreadable)");
                return false;
        }
        jb_u64(j, "user.changes.id", uid);
        jb_u64(j, "user.changes.group.id", gid);
        jb_u64(j, "hvscope.new.euid", euid);
        jb_u64(j, "hvscope.new.egid", egid);
        if (ti->have_cred) {
                jb_u64(j, "user.id", ti->uid);
                jb_u64(j, "user.group.id", ti->gid);
                jb_u64(j, "user.effective.id", ti->euid);
                jb_u64(j, "user.effective.group.id", ti->egid);
                bool changed = uid != ti->uid || euid != ti->euid || gid != ti->gid || egid != ti->egid;
                jb_bool(j, "hvscope.changed", changed);
                *severity = !changed ? 0 : ((uid == 0 || euid == 0) && ti->uid != 0 && ti->euid != 0) ? 3 : 2;
                (void)snprintf(summary, scap, "commit_creds uid %u->%u euid %u->%u gid %u->%u egid %u->%u",
                               ti->uid, uid, ti->euid, euid, ti->gid, gid, ti->egid, egid);
        } else {
                (void)snprintf(summary, scap, "commit_creds uid %u euid %u gid %u egid %u", uid, euid, gid, egid);
        }
        return ti->have_cred;
}

static bool decode_module(hvs_linux *k, const struct bp_offsets *o, const struct rsp_x86_regs *regs,
                          struct jbuf *j, char *summary, size_t scap) {
        char name[HVS_WATCH_BP_MAX_STR];
        uint32_t n = o->module_name_size;
        uint64_t a;
        if (n == 0 || n >= sizeof name)
                n = 56;         /* MODULE_NAME_LEN on 64-bit */
        /* do_init_module(struct module *mod) */
        if (!kernel_addr(regs->rdi) || o->module_name == LX_ABSENT ||
            hvs_add_overflow(regs->rdi, (uint64_t)o->module_name, &a) ||
            hvs_vas_read(k->kvas, HVS_GVA(a), name, n) < 0) {
                (void)snprintf(summary, scap, "module load (name unreadable)");
                return false;
        }
        name[n] = '\0';
        jb_str(j, "hvscope.module.name", name);
        jb_u64(j, "hvscope.module.address", regs->rdi);
        (void)snprintf(summary, scap, "module load %s", name);
        return true;
}

static bool decode_connect(hvs_linux *k, const struct bp_offsets *o, const struct rsp_x86_regs *regs,
                           struct jbuf *j, char *summary, size_t scap) {
        uint64_t sk = regs->rdi;        /* tcp_connect(struct sock *sk) */
        uint16_t family = 0, dport_be = 0, sport = 0;
        char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
        if (!kernel_addr(sk) || read_u16(k->kvas, sk, o->skc_family, &family) < 0 ||
            read_u16(k->kvas, sk, o->skc_dport, &dport_be) < 0 || read_u16(k->kvas, sk, o->skc_num, &sport) < 0) {
                (void)snprintf(summary, scap, "tcp connect (socket unreadable)");
                return false;
        }
        bool ok = true;
        if (family == AF_INET) {
                uint8_t d[4], s[4];
                if (o->skc_daddr == LX_ABSENT || hvs_vas_read(k->kvas, HVS_GVA(sk + o->skc_daddr), d, 4) < 0 ||
                    hvs_vas_read(k->kvas, HVS_GVA(sk + o->skc_rcv_saddr), s, 4) < 0)
                        ok = false;
                else {
                        inet_ntop(AF_INET, d, dst, sizeof dst);
                        inet_ntop(AF_INET, s, src, sizeof src);
                }
        } else if (family == AF_INET6) {
                uint8_t d[16], s[16];
                if (o->skc_v6_daddr == LX_ABSENT || o->skc_v6_rcv_saddr == LX_ABSENT ||
                    hvs_vas_read(k->kvas, HVS_GVA(sk + o->skc_v6_daddr), d, 16) < 0 ||
                    hvs_vas_read(k->kvas, HVS_GVA(sk + o->skc_v6_rcv_saddr), s, 16) < 0)
                        ok = false;
                else {
                        inet_ntop(AF_INET6, d, dst, sizeof dst);
                        inet_ntop(AF_INET6, s, src, sizeof src);
                }
        } else {
                ok = false;
        }
        uint16_t dport = ntohs(dport_be);
        jb_str(j, "network.transport", "tcp");
        jb_str(j, "network.type", family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" : "unknown");
        jb_str(j, "destination.ip", dst);
        jb_u64(j, "destination.port", dport);
        jb_str(j, "source.ip", src);
        jb_u64(j, "source.port", sport);
        (void)snprintf(summary, scap, "tcp connect %s:%u -> %s:%u", src, sport, dst, dport);
        return ok;
}

static void decode_func(const char *func, const struct rsp_x86_regs *regs, struct jbuf *j, char *summary,
                        size_t scap) {
        const uint64_t a[6] = { regs->rdi, regs->rsi, regs->rdx, regs->rcx, regs->r8, regs->r9 };
        static const char *const names[6] = { "hvscope.arg0", "hvscope.arg1", "hvscope.arg2",
                                              "hvscope.arg3", "hvscope.arg4", "hvscope.arg5" };
        jb_str(j, "hvscope.function", func);
        for (size_t i = 0; i < 6; i++)
                jb_u64(j, names[i], a[i]);
        (void)snprintf(summary, scap, "%.200s(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ", ...)", func, a[0], a[1],
                       a[2]);
}

int bp_decode(hvs_linux *k, const struct bp_offsets *o, enum bp_kind kind, const char *func,
              const struct rsp_x86_regs *regs, uint64_t task, int64_t ts_ns, struct bp_event *out) {
        static const char *const category[] = { "process", "iam", "driver", "network", "host" };
        static const char *const action[] = { "exec", "commit-creds", "module-loaded", "tcp-connect", "kernel-call" };
        if ((unsigned)kind > BP_FUNC)
                return -EINVAL;
        struct task_info ti;
        struct jbuf j;
        int severity = 0;
        bool ok = true;
        bp_task_info(k, task, &ti, out->comm, sizeof out->comm);
        jb_init(&j, out->data, sizeof out->data);
        out->summary[0] = '\0';
        switch (kind) {
        case BP_EXEC:
                ok = decode_exec(k, o, regs, &ti, &j, out->summary, sizeof out->summary);
                break;
        case BP_CREDS:
                ok = decode_creds(k, regs, &ti, &j, out->summary, sizeof out->summary, &severity);
                break;
        case BP_MODULE:
                ok = decode_module(k, o, regs, &j, out->summary, sizeof out->summary);
                severity = 1;
                break;
        case BP_CONNECT:
                ok = decode_connect(k, o, regs, &j, out->summary, sizeof out->summary);
                break;
        case BP_FUNC:
                decode_func(func, regs, &j, out->summary, sizeof out->summary);
                break;
        }
        jb_str(&j, "hvscope.function", kind == BP_FUNC ? NULL : func);
        if (ti.pid >= 0) {
                jb_i64(&j, "process.pid", ti.pid);
                jb_i64(&j, "process.thread.id", ti.tid);
                jb_str(&j, "process.name", out->comm);
        }
        jb_u64(&j, "hvscope.rip", regs->rip);
        if (!ok || !task)
                jb_bool(&j, "hvscope.partial", true);
        const char *data = jb_end(&j);
        out->ev = (hvs_watch_event){
                .ts_ns = ts_ns, .source = "breakpoint", .category = category[kind], .action = action[kind],
                .severity = severity, .pid = ti.pid, .comm = task ? out->comm : NULL, .summary = out->summary,
                .data_json = data ? data : "{\"hvscope.truncated\":true}",
        };
        return 0;
}

/* ---- hit-rate guard ------------------------------------------------------------- */

void bp_governor_init(struct bp_governor *g, uint32_t limit) {
        *g = (struct bp_governor){ .limit = limit, .backoff_ms = HVS_WATCH_BP_SUSPEND_MS };
}

bool bp_governor_hit(struct bp_governor *g, int64_t now) {
        if (!g->limit || g->suspended)
                return false;
        if (now - g->win_start >= 1000000000ll || now < g->win_start) {
                g->win_start = now;
                g->win_hits = 0;
        }
        if (++g->win_hits <= g->limit)
                return false;
        /* Tripped again soon after it was put back: twice as long. */
        if (g->rearmed_at && now - g->rearmed_at < (int64_t)HVS_WATCH_BP_CALM_MS * 1000000ll)
                g->backoff_ms = MIN(g->backoff_ms * 2, HVS_WATCH_BP_SUSPEND_MAX_MS);
        else
                g->backoff_ms = HVS_WATCH_BP_SUSPEND_MS;
        g->suspended = true;
        g->until = now + (int64_t)g->backoff_ms * 1000000ll;
        g->suspensions++;
        return true;
}

void bp_governor_rearm(struct bp_governor *g, int64_t now) {
        g->suspended = false;
        g->rearmed_at = now;
        g->win_start = now;
        g->win_hits = 0;
}

/* The event that says a probe was taken out or put back. */
static const hvs_watch_event *guard_event(struct bp_source *b, const struct bp_probe *pr, bool out, uint32_t hits) {
        struct bp_event *e = &b->guardbuf;
        struct jbuf j;
        jb_init(&j, e->data, sizeof e->data);
        jb_str(&j, "hvscope.function", pr->func);
        jb_str(&j, "hvscope.probe", pr->name);
        if (out) {
                snprintf(e->summary, sizeof e->summary,
                         "breakpoint on %.128s taken out for %.1f s: %u hits within a second (limit %u/s); "
                         "each hit stops the VM",
                         pr->func, pr->gov.backoff_ms / 1000.0, hits, pr->gov.limit);
                jb_u64(&j, "hvscope.hits", hits);
                jb_u64(&j, "hvscope.limit", pr->gov.limit);
                jb_u64(&j, "hvscope.suspended_ms", pr->gov.backoff_ms);
        } else {
                snprintf(e->summary, sizeof e->summary, "breakpoint on %.128s put back", pr->func);
        }
        jb_u64(&j, "hvscope.suspensions", pr->gov.suspensions);
        const char *data = jb_end(&j);
        e->ev = (hvs_watch_event){
                .ts_ns = hvs_watch_now_ns(), .source = "breakpoint", .category = "host",
                .action = out ? "probe-suspended" : "probe-resumed", .severity = out ? 2 : 0, .pid = -1,
                .summary = e->summary, .data_json = data ? data : "{\"hvscope.truncated\":true}",
        };
        return &e->ev;
}

/* ---- attaching ------------------------------------------------------------------- */

static int vm_running(qmp *q, hvs_diag *diag, bool *ret) {
        json_object *st = NULL, *v;
        int r = qmp_execute(q, "query-status", NULL, diag, &st);
        if (r < 0)
                return r;
        bool ok = json_object_object_get_ex(st, "running", &v);
        if (ok)
                *ret = json_object_get_boolean(v);
        /* "debug": stopped by the gdbstub with nobody attached (a stale breakpoint of a
         * watcher that was killed): it was running for everyone else. */
        if (ok && json_object_object_get_ex(st, "status", &v) && strcmp(json_object_get_string(v) ?: "", "debug") == 0)
                *ret = true;
        json_object_put(st);
        return ok ? 0 : HVS_BADMSG(diag, "qmp 'query-status': no 'running' flag");
}

/*
 * The VM's gdbstub from query-chardev: the chardev labelled "gdb", whose
 * filename is "disconnected:tcp:HOST:PORT,server=on" while nobody is
 * attached ("tcp:...<->..." when someone is). Return: 1 found (@spec
 * filled: "tcp:HOST:PORT" or "unix:PATH"); 0 none; -EBUSY attached; -errno.
 */
static int find_stub(qmp *q, char *spec, size_t cap, hvs_diag *diag) {
        json_object *list = NULL;
        int r = qmp_execute(q, "query-chardev", NULL, diag, &list);
        if (r < 0)
                return r;
        r = 0;
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(list, i), *l, *f;
                if (!json_object_object_get_ex(e, "label", &l) || !json_object_object_get_ex(e, "filename", &f) ||
                    strcmp(json_object_get_string(l) ?: "", "gdb") != 0)
                        continue;
                const char *fn = json_object_get_string(f) ?: "";
                if (strncmp(fn, "disconnected:", 13) != 0) {
                        r = HVS_DIAG(diag, -EBUSY, "the vm's gdbstub already has a client (%.100s)", fn);
                        break;
                }
                fn += 13;
                size_t len = strcspn(fn, ",");
                if (len >= cap || (strncmp(fn, "tcp:", 4) != 0 && strncmp(fn, "unix:", 5) != 0)) {
                        r = HVS_DIAG(diag, -EOPNOTSUPP, "the vm's gdbstub is on '%.100s', not tcp or unix", fn);
                        break;
                }
                memcpy(spec, fn, len);
                spec[len] = '\0';
                r = 1;
                break;
        }
        json_object_put(list);
        return r;
}

static int free_port(uint16_t *ret) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int r = 0;
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
                r = -errno;
        close(fd);
        if (r == 0)
                *ret = ntohs(sa.sin_port);
        return r;
}

static int start_stub(qmp *q, char *spec, size_t cap, hvs_diag *diag) {
        uint16_t port = 0;
        char cmd[600];
        _cleanup_free_ char *out = NULL;
        int r = free_port(&port);
        if (r < 0)
                return HVS_DIAG(diag, r, "no free loopback port for the gdbstub");
        (void)snprintf(spec, cap, "tcp:127.0.0.1:%u", port);
        (void)snprintf(cmd, sizeof cmd, "gdbserver %s", spec);
        if ((r = qmp_hmp(q, cmd, diag, &out)) < 0)
                return r;
        if (!strstr(out, "Waiting for gdb connection"))
                return HVS_DIAG(diag, -EIO, "hmp '%s' failed: %.200s", cmd, out);
        return 0;
}

static int stop_stub(qmp *q, hvs_diag *diag) {
        _cleanup_free_ char *out = NULL;
        int r = qmp_hmp(q, "gdbserver none", diag, &out);
        if (r == 0 && !strstr(out, "Disabled gdbserver"))
                r = HVS_DIAG(diag, -EIO, "hmp 'gdbserver none' failed: %.200s", out);
        return r;
}

static int connect_stub(const char *spec, int timeout_ms, hvs_diag *diag, struct rsp **ret, struct rsp_stop *st) {
        if (strncmp(spec, "unix:", 5) == 0)
                return rsp_open_unix(spec + 5, timeout_ms, diag, ret, st);
        if (strncmp(spec, "tcp:", 4) != 0)
                return HVS_DIAG(diag, -EINVAL, "gdbstub '%s': not tcp:HOST:PORT or unix:PATH", spec);
        char host[64];
        const char *h = spec + 4, *colon = strrchr(h, ':');
        char *end;
        if (!colon || (size_t)(colon - h) >= sizeof host)
                return HVS_DIAG(diag, -EINVAL, "gdbstub '%s': not tcp:HOST:PORT", spec);
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (*end || port == 0 || port > 65535)
                return HVS_DIAG(diag, -EINVAL, "gdbstub '%s': bad port", spec);
        memcpy(host, h, (size_t)(colon - h));
        host[colon - h] = '\0';
        if (host[0] == '\0')
                hvs_strlcpy(host, "127.0.0.1", sizeof host);
        return rsp_open_tcp(host, (uint16_t)port, timeout_ms, diag, ret, st);
}

/* ---- probes and offsets --------------------------------------------------------- */

static int parse_probes(hvs_linux *k, const char *list, struct bp_source *b, hvs_diag *diag) {
        char buf[1024];
        if (!list || !*list)
                list = "exec,creds,module,connect";
        if (hvs_strlcpy(buf, list, sizeof buf) >= sizeof buf)
                return HVS_DIAG(diag, -EINVAL, "probe list too long");
        size_t n = 0;
        for (const char *p = buf; *p; p++)
                if (*p == ',')
                        n++;
        if (n + 1 > HVS_WATCH_BP_MAX)
                return HVS_DIAG(diag, -E2BIG, "%zu probes asked: at most %u hardware breakpoints (x86 debug registers)",
                                n + 1, HVS_WATCH_BP_MAX);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                struct bp_probe *pr = &b->probes[b->nprobes];
                *pr = (struct bp_probe){ .kind = BP_FUNC };
                hvs_strlcpy(pr->name, t, sizeof pr->name);
                hvs_strlcpy(pr->func, t, sizeof pr->func);
                for (size_t i = 0; i < ARRAY_SIZE(known_probes); i++)
                        if (strcmp(t, known_probes[i].name) == 0) {
                                pr->kind = known_probes[i].kind;
                                hvs_strlcpy(pr->func, known_probes[i].func, sizeof pr->func);
                        }
                for (size_t i = 0; i < b->nprobes; i++)
                        if (strcmp(b->probes[i].func, pr->func) == 0)
                                return HVS_DIAG(diag, -EINVAL, "probe '%s' given twice", t);
                int r = hvs_profile_symbol(hvs_linux_profile(k), pr->func, &pr->addr);
                if (r < 0)
                        return HVS_DIAG(diag, r, "probe '%s': no kernel function '%s'", t, pr->func);
                if (!kernel_addr(pr->addr))
                        return HVS_DIAG(diag, -EINVAL, "probe '%s': '%s' is not a kernel text address", t, pr->func);
                b->nprobes++;
        }
        if (b->nprobes == 0)
                return HVS_DIAG(diag, -EINVAL, "no probe given");
        return 0;
}

static int resolve_offsets(hvs_linux *k, struct bp_offsets *o, hvs_diag *diag) {
#define O(f) offsetof(struct bp_offsets, f)
        const struct lx_field_row rows[] = {
                { "pt_regs", { "di" }, O(regs_di), SIZE_MAX, false },
                { "pt_regs", { "si" }, O(regs_si), SIZE_MAX, false },
                { "module", { "name" }, O(module_name), O(module_name_size), false },
                { "sock_common", { "skc_daddr" }, O(skc_daddr), SIZE_MAX, false },
                { "sock_common", { "skc_rcv_saddr" }, O(skc_rcv_saddr), SIZE_MAX, false },
                { "sock_common", { "skc_dport" }, O(skc_dport), SIZE_MAX, false },
                { "sock_common", { "skc_num" }, O(skc_num), SIZE_MAX, false },
                { "sock_common", { "skc_family" }, O(skc_family), SIZE_MAX, false },
                { "sock_common", { "skc_v6_daddr" }, O(skc_v6_daddr), SIZE_MAX, true },
                { "sock_common", { "skc_v6_rcv_saddr" }, O(skc_v6_rcv_saddr), SIZE_MAX, true },
        };
#undef O
        int r = lx_resolve_fields(k, rows, ARRAY_SIZE(rows), o, diag);
        if (r < 0)
                return r;
        return bp_current_task_offset(k, &o->current_task, diag);
}

int bp_current_task_offset(hvs_linux *k, uint64_t *ret, hvs_diag *diag) {
        /* per-CPU current_task (to 6.1), or pcpu_hot.current_task (6.2 and later) */
        hvs_profile *p = hvs_linux_profile(k);
        uint64_t v;
        uint32_t field;
        if (hvs_profile_symbol(p, "current_task", &v) == 0) {
                *ret = v;
        } else if (hvs_profile_symbol(p, "pcpu_hot", &v) == 0 &&
                   hvs_profile_field(p, "pcpu_hot", "current_task", &field, NULL) == 0) {
                *ret = v + field;
        } else {
                return HVS_DIAG(diag, -ENOENT, "no per-cpu 'current_task' or 'pcpu_hot' symbol");
        }
        return 0;
}

/* ---- the source ---------------------------------------------------------------- */

static struct bp_probe *probe_at(struct bp_source *b, uint64_t rip) {
        for (size_t i = 0; i < b->nprobes; i++)
                if (b->probes[i].addr == rip)
                        return &b->probes[i];
        return NULL;
}

static int bp_fd(hvs_watch_source *src) { return rsp_fd(((struct bp_source *)src)->rsp); }
/* The earliest time a suspended probe goes back in. */
static int64_t bp_deadline(hvs_watch_source *src) {
        struct bp_source *b = (struct bp_source *)src;
        int64_t d = INT64_MAX;
        for (size_t i = 0; i < b->nprobes; i++)
                if (b->probes[i].gov.suspended)
                        d = MIN(d, b->probes[i].gov.until);
        return d;
}

/*
 * Step @thread over the breakpoint at @addr and let the VM run again. QEMU
 * stops at a breakpoint again when continued on it. Under TCG a single step
 * overrides breakpoints (accel/tcg/cpu-exec.c check_for_breakpoints()), and
 * removing and inserting one costs more: it invalidates translated code
 * (measured: the guest ran ~5x slower per hit with z1/Z1 around the step).
 * Elsewhere (KVM) the breakpoint is removed for the step, as GDB does.
 */
static int step_over(struct bp_source *b, uint64_t thread, uint64_t addr, hvs_diag *diag) {
        char cmd[48];
        struct rsp_stop st;
        int r;
        if (!b->keep_on_step && (r = rsp_set_breakpoint(b->rsp, addr, false, diag)) < 0)
                return r;
        (void)snprintf(cmd, sizeof cmd, "vCont;s:%" PRIx64, thread);
        if ((r = rsp_resume(b->rsp, cmd, diag)) < 0 || (r = rsp_wait_stop(b->rsp, -1, &st, diag)) < 0)
                return r;
        if (!b->keep_on_step && (r = rsp_set_breakpoint(b->rsp, addr, true, diag)) < 0)
                return r;
        return rsp_resume(b->rsp, "c", diag);
}

static int handle_stop(struct bp_source *b, const struct rsp_stop *st, hvs_watch_emit_fn emit, void *ctx,
                       hvs_diag *diag) {
        uint64_t t0 = hvs_now_ns();
        int64_t ts = hvs_watch_now_ns();
        if (st->kind != RSP_STOP_SIGNAL)
                return HVS_DIAG(diag, -ESRCH, "the vm is gone (gdbstub stop reply '%c')",
                                st->kind == RSP_STOP_EXITED ? 'W' : 'X');
        b->running = false;
        if (st->signal != 5) {
                /* Someone else stopped the VM (QMP stop, HMP): leave it stopped; their 'cont' resumes it. */
                b->bst.foreign_stops++;
                b->foreign_pause = true;
                return 0;
        }
        b->foreign_pause = false;       /* a hit: the VM was running again */
        struct rsp_x86_regs regs;
        int r = rsp_read_regs(b->rsp, st->thread, &regs, diag);
        if (r < 0)
                return r;
        struct bp_probe *pr = probe_at(b, regs.rip);
        int er = 0;
        if (pr && pr->gov.suspended) {
                /* A stop that was already on its way when the probe was taken out. */
                if ((r = rsp_resume(b->rsp, "c", diag)) < 0)
                        return r;
                b->running = true;
                return 0;
        }
        if (pr) {
                uint64_t task = 0;
                hvs_linux_refresh(b->k);        /* the guest ran since the last hit */
                if (bp_current(b->k, &b->off, &regs, &task) < 0)
                        task = 0;
                (void)bp_decode(b->k, &b->off, pr->kind, pr->func, &regs, task, ts, &b->evbuf);
                if (strstr(b->evbuf.ev.data_json, "\"hvscope.partial\":true"))
                        b->bst.decode_errors++;
                uint32_t hits = pr->gov.win_hits + 1;
                bool taken_out = bp_governor_hit(&pr->gov, (int64_t)hvs_now_ns());
                if (taken_out) {
                        /* Too hot: take the breakpoint out (the VM is stopped) and let it run. */
                        if ((r = rsp_set_breakpoint(b->rsp, pr->addr, false, diag)) < 0 ||
                            (r = rsp_resume(b->rsp, "c", diag)) < 0)
                                return r;
                        b->bst.suspensions++;
                } else if ((r = step_over(b, st->thread, pr->addr, diag)) < 0) {
                        return r;
                }
                b->running = true;
                b->st.emitted++;
                er = emit(ctx, &b->evbuf.ev);
                if (!er && taken_out) {
                        b->st.emitted++;
                        er = emit(ctx, guard_event(b, pr, true, hits));
                }
        } else {
                if ((r = rsp_resume(b->rsp, "c", diag)) < 0)
                        return r;
                b->running = true;
                b->bst.foreign_stops++;
        }
        uint64_t dt = hvs_now_ns() - t0;
        b->bst.hits += pr != NULL;
        if (pr) {
                b->bst.hit_ns_total += dt;
                if (dt > b->bst.hit_ns_max)
                        b->bst.hit_ns_max = dt;
        }
        return er;
}

/*
 * Put back the probes whose suspension is over. Breakpoints can only be set
 * while the VM is stopped: a running VM is interrupted for it (one stop, as a
 * hit costs). A hit that arrives first is handled as any other.
 */
static int rearm_due(struct bp_source *b, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag) {
        int64_t now = (int64_t)hvs_now_ns();
        bool due = false;
        for (size_t i = 0; i < b->nprobes; i++)
                due |= b->probes[i].gov.suspended && b->probes[i].gov.until <= now;
        if (!due)
                return 0;
        struct rsp_stop st = { .kind = RSP_STOP_SIGNAL, .signal = 0 };
        bool stopped_here = false;
        int r;
        if (b->running) {
                if ((r = rsp_interrupt(b->rsp, diag)) < 0 || (r = rsp_wait_stop(b->rsp, -1, &st, diag)) < 0)
                        return r;
                if (st.kind != RSP_STOP_SIGNAL)
                        return HVS_DIAG(diag, -ESRCH, "the vm is gone (gdbstub stop reply '%c')",
                                        st.kind == RSP_STOP_EXITED ? 'W' : 'X');
                b->running = false;
                stopped_here = true;
        }
        int er = 0;
        for (size_t i = 0; i < b->nprobes; i++) {
                struct bp_probe *pr = &b->probes[i];
                if (!pr->gov.suspended || pr->gov.until > now)
                        continue;
                if ((r = rsp_set_breakpoint(b->rsp, pr->addr, true, diag)) < 0)
                        return r;
                bp_governor_rearm(&pr->gov, now);
                b->st.emitted++;
                if (!er)
                        er = emit(ctx, guard_event(b, pr, false, 0));
        }
        if (stopped_here) {
                if (st.signal == 5) {
                        /* A hit (or a step) was on its way: handle it, which resumes. */
                        if ((r = handle_stop(b, &st, emit, ctx, diag)) != 0)
                                return r;
                } else {
                        if ((r = rsp_resume(b->rsp, "c", diag)) < 0)
                                return r;
                        b->running = true;
                }
        }
        return er;
}

static int bp_step(hvs_watch_source *src, int64_t now_ns, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag) {
        struct bp_source *b = (struct bp_source *)src;
        b->st.steps++;
        int r0 = rearm_due(b, emit, ctx, diag);
        if (r0 != 0)
                return r0;
        for (unsigned i = 0; i < BP_STOPS_PER_STEP; i++) {
                struct rsp_stop st;
                int r = rsp_wait_stop(b->rsp, 0, &st, diag);
                if (r == -EAGAIN)
                        return 0;
                if (r < 0)
                        return r;
                if ((r = handle_stop(b, &st, emit, ctx, diag)) != 0)
                        return r;
        }
        return 0;
}

static void bp_stats(hvs_watch_source *src, hvs_watch_stats *st) { *st = ((struct bp_source *)src)->st; }

/* Leave the VM as it was: no breakpoints, no client, no stub we started, the run state it had. */
static void detach(struct bp_source *b) {
        hvs_diag d = { 0 };
        if (b->rsp) {
                struct rsp_stop st;
                int r = 0;
                if (b->running) {
                        r = rsp_interrupt(b->rsp, &d);
                        /* A hit may already be on its way: any stop reply will do. */
                        if (r == 0)
                                r = rsp_wait_stop(b->rsp, -1, &st, &d);
                }
                for (size_t i = 0; r == 0 && i < b->nprobes; i++)
                        (void)rsp_set_breakpoint(b->rsp, b->probes[i].addr, false, &d);
                (void)rsp_detach(b->rsp, &d);    /* QEMU lets the VM run on 'D' */
                b->rsp = rsp_close(b->rsp);
        }
        if (!b->q)
                return;
        if (b->started_stub)
                (void)stop_stub(b->q, &d);
        /* 'D' lets QEMU continue: stop again a VM that was paused before, or paused by someone else since. */
        bool running, want = b->was_running && !b->foreign_pause;
        if (vm_running(b->q, &d, &running) == 0 && running != want)
                (void)qmp_execute(b->q, want ? "cont" : "stop", NULL, &d, NULL);
}

static void bp_free(hvs_watch_source *src) {
        struct bp_source *b = (struct bp_source *)src;
        if (!b)
                return;
        detach(b);
        free(b);
}

static const hvs_watch_source_ops bp_ops = {
        .name = "breakpoint",
        .fd = bp_fd,
        .deadline_ns = bp_deadline,
        .step = bp_step,
        .stats = bp_stats,
        .free = bp_free,
};

int hvs_watch_bp_get_stats(hvs_watch_source *src, hvs_watch_bp_stats *ret) {
        if (!src || src->ops != &bp_ops)
                return -EINVAL;
        *ret = ((struct bp_source *)src)->bst;
        return 0;
}

static void bp_freep(struct bp_source **b) {
        if (*b)
                bp_free(&(*b)->base);
}

int hvs_watch_bp_new(hvs_session *s, const hvs_watch_bp_opts *opts, hvs_watch_source **ret, hvs_diag *diag) {
        hvs_watch_bp_opts o = { 0 };
        if (!s || !ret)
                return -EINVAL;
        if (opts) {
                if (opts->sz < sizeof(size_t) || opts->sz > sizeof o)
                        return HVS_DIAG(diag, -EINVAL, "bad hvs_watch_bp_opts size");
                memcpy(&o, opts, opts->sz);
        }
        if (o.timeout_ms < 0)
                return HVS_DIAG(diag, -EINVAL, "negative timeout");
        _cleanup_(bp_freep) struct bp_source *b = hvs_calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        b->base.ops = &bp_ops;
        b->s = s;
        b->k = hvs_session_linux(s);
        int r = parse_probes(b->k, o.probes, b, diag);
        if (r < 0 || (r = resolve_offsets(b->k, &b->off, diag)) < 0)
                return r;
        for (size_t i = 0; i < b->nprobes; i++)
                bp_governor_init(&b->probes[i].gov, o.max_hit_rate < 0 ? 0
                                                    : o.max_hit_rate ? (uint32_t)o.max_hit_rate
                                                    : HVS_WATCH_BP_MAX_HIT_RATE);

        struct qemu_ram_source *rs = NULL;
        size_t nrs;
        qmp *q;
        if ((r = qemu_live_parts(hvs_session_mem(s), &q, &rs, &nrs)) < 0)
                return HVS_DIAG(diag, r, "breakpoints need a live vm (--vm or --pid)");
        free(rs);
        b->keep_on_step = strcmp(hvs_mem_get_info(hvs_session_mem(s))->accel, "tcg") == 0;
        if ((r = vm_running(q, diag, &b->was_running)) < 0)
                return r;
        b->q = q;       /* from here on, bp_free() restores the run state */

        char spec[512];
        if (o.gdb) {
                if (hvs_strlcpy(spec, o.gdb, sizeof spec) >= sizeof spec)
                        return HVS_DIAG(diag, -EINVAL, "gdbstub address too long");
        } else {
                r = find_stub(q, spec, sizeof spec, diag);
                if (r < 0)
                        return r;
                if (r == 0) {
                        if ((r = start_stub(q, spec, sizeof spec, diag)) < 0)
                                return r;
                        b->started_stub = true;
                        b->bst.started_stub = true;
                }
        }
        struct rsp_stop st;
        if ((r = connect_stub(spec, o.timeout_ms, diag, &b->rsp, &st)) < 0)
                return r;
        /*
         * QEMU stopped the VM for the new client: set the breakpoints, then let
         * it run as before. (Breakpoints of a watcher that was killed without
         * 'D' stay in QEMU, and a hit stops the VM for nobody: state "debug",
         * which vm_running() counts as running; our 'D' removes every gdb
         * breakpoint, so running the watch again repairs that.)
         */
        for (size_t i = 0; i < b->nprobes; i++)
                if ((r = rsp_set_breakpoint(b->rsp, b->probes[i].addr, true, diag)) < 0)
                        return HVS_DIAG(diag, r, "cannot set a hardware breakpoint on '%s' (0x%" PRIx64 ")",
                                        b->probes[i].func, b->probes[i].addr);
        if (b->was_running) {
                if ((r = rsp_resume(b->rsp, "c", diag)) < 0)
                        return r;
                b->running = true;
        }
        *ret = &TAKE_PTR(b)->base;
        return 0;
}

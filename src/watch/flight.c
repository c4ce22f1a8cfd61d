/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * flight.c - the flight recorder: re-reads the guest's process, module and
 * socket views at a rate and emits the differences (include/hvscope/watch.h).
 *
 * The guest runs while it is read, so one read is not a consistent picture:
 * a list may be walked while the guest changes it (the walk then stops early
 * and is marked truncated), and a single object may be half-updated. Rules:
 *  - identity is what does not change during an object's life: a process is
 *    (pid, start_boottime), a module (name, base), a socket (protocol,
 *    struct sock address, inode, ports); a recycled address or pid with a
 *    new start time is a new object;
 *  - an object is reported gone only after it was missing from gone_after
 *    consecutive reads that completed (not truncated); a truncated read
 *    neither ages nor reports anything missing;
 *  - credentials are compared only when both reads of them were whole
 *    (no HVS_TASK_PARTIAL_CRED), arguments only when both were read.
 * State is one sorted array per view (bounded by the view's own walk limits
 * in hvs_linux_limits); each step merges the new read into it: O(n log n).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include <hvscope/limits.h>
#include <hvscope/linux-modules.h>
#include <hvscope/linux-net.h>
#include <hvscope/watch.h>
#include "watch/watch-internal.h"

#define SRC "flight-recorder"
/* Consecutive failed reads of the task list before the source gives up (the VM is gone). */
#define MAX_TASK_FAILURES 10u

struct proc {
        int32_t pid, ppid;
        uint64_t start;
        uint32_t uid, gid, euid, egid;
        bool cred_ok, args_ok, exited, parent_ok;
        uint64_t args_hash;
        char comm[17];
        uint32_t missing;
};

struct mod {
        char name[57];
        uint64_t base, size;
        uint32_t missing;
};

struct sock {
        uint64_t addr, inode;
        uint8_t proto, family, state;
        uint16_t lport, rport;
        uint8_t laddr[16], raddr[16];
        int32_t pid;
        char comm[17];
        uint32_t missing;
};

struct flight {
        hvs_watch_source base;
        hvs_linux *k;
        hvs_watch_flight_opts o;
        int64_t period_ns, next_ns;
        bool first;
        uint32_t task_failures;
        struct proc *procs;
        size_t nprocs;
        struct mod *mods;
        size_t nmods;
        struct sock *socks;
        size_t nsocks;
        hvs_watch_stats st;
        int64_t boot_ns;
        hvs_watch_emit_fn emit;
        void *ctx;
        int emit_rc;
        int64_t read_ts;
        char data[HVS_WATCH_MAX_DATA];
        char summary[512];
};

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
        const unsigned char *b = p;
        for (size_t i = 0; i < n; i++)
                h = (h ^ b[i]) * 0x100000001b3ull;
        return h;
}

static void fr_send(struct flight *f, const char *category, const char *action, int severity, int32_t pid,
                 const char *comm, int64_t guest_ts, const char *data) {
        if (f->emit_rc)
                return;
        hvs_watch_event ev = {
                .ts_ns = f->read_ts, .guest_ts_ns = guest_ts, .source = SRC, .category = category,
                .action = action, .severity = severity, .pid = pid, .comm = comm, .summary = f->summary,
                .data_json = data,
        };
        f->st.emitted++;
        f->emit_rc = f->emit(f->ctx, &ev);
}

/* Printable command line of @argv (NULs as spaces) for summaries. */
static void cmdline_text(const char *argv, size_t n, char *out, size_t cap) {
        size_t o = 0;
        for (size_t i = 0; i < n && o + 4 < cap; i++) {
                unsigned char c = (unsigned char)argv[i];
                out[o++] = c == 0 ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        if (n && o + 4 >= cap)
                memcpy(out + o, "...", 3), o += 3;
        out[o] = '\0';
}

/* ---- processes ------------------------------------------------------------ */

static int proc_cmp(const void *a, const void *b) {
        const struct proc *x = a, *y = b;
        if (x->pid != y->pid)
                return x->pid < y->pid ? -1 : 1;
        return x->start < y->start ? -1 : x->start > y->start;
}

static void proc_from(struct proc *p, const hvs_task *t) {
        *p = (struct proc){
                .pid = t->pid, .ppid = t->ppid, .start = t->start_boottime_ns,
                .uid = t->uid, .gid = t->gid, .euid = t->euid, .egid = t->egid,
                .cred_ok = !(t->partial & HVS_TASK_PARTIAL_CRED),
                .parent_ok = !(t->partial & HVS_TASK_PARTIAL_PARENT),
                .args_ok = t->argv != NULL,
                .args_hash = t->argv ? fnv(t->argv, t->argv_len, 0xcbf29ce484222325ull) : 0,
                .exited = t->state == 'Z' || t->state == 'X',
        };
        memcpy(p->comm, t->comm, sizeof p->comm);
}

static void proc_data(struct flight *f, struct jbuf *j, const struct proc *p, const hvs_task *t) {
        char id[16];
        jb_init(j, f->data, sizeof f->data);
        jb_i64(j, "process.pid", p->pid);
        jb_str(j, "process.name", p->comm);
        if (p->parent_ok)
                jb_i64(j, "process.parent.pid", p->ppid);
        if (t && t->argv) {
                size_t n = MIN(t->argv_len, (size_t)HVS_WATCH_MAX_ARGS);
                char cl[HVS_WATCH_MAX_ARGS + 8];
                cmdline_text(t->argv, n, cl, sizeof cl);
                jb_args(j, "process.args", t->argv, n, 256);
                jb_str(j, "process.command_line", cl);
                if (n < t->argv_len || (t->partial & HVS_TASK_PARTIAL_CMDLINE_TRUNC))
                        jb_bool(j, "hvscope.args_truncated", true);
        }
        if (p->cred_ok) {
                snprintf(id, sizeof id, "%" PRIu32, p->uid);
                jb_str(j, "user.id", id);
                jb_str(j, "process.real_user.id", id);
                snprintf(id, sizeof id, "%" PRIu32, p->euid);
                jb_str(j, "process.user.id", id);
                snprintf(id, sizeof id, "%" PRIu32, p->gid);
                jb_str(j, "process.real_group.id", id);
                snprintf(id, sizeof id, "%" PRIu32, p->egid);
                jb_str(j, "process.group.id", id);
        }
        if (f->boot_ns > 0 && p->start)
                jb_i64(j, "hvscope.process.start_ns", f->boot_ns + (int64_t)p->start);
        jb_u64(j, "hvscope.process.start_boottime_ns", p->start);
}

static int64_t proc_guest_ts(const struct flight *f, const struct proc *p) {
        return f->boot_ns > 0 && p->start ? f->boot_ns + (int64_t)p->start : 0;
}

static void proc_event(struct flight *f, const char *action, const struct proc *p, const hvs_task *t) {
        struct jbuf j;
        char cl[200] = "";
        if (t && t->argv)
                cmdline_text(t->argv, t->argv_len, cl, sizeof cl);
        proc_data(f, &j, p, t);
        bool started = !strcmp(action, "process-started") || !strcmp(action, "process-present");
        snprintf(f->summary, sizeof f->summary, "%s: pid %d '%s' (parent %d, uid %" PRIu32 ")%s%s", action,
                 p->pid, p->comm, p->ppid, p->uid, cl[0] ? ": " : "", cl);
        const char *data = jb_end(&j);
        fr_send(f, "process", action, 0, p->pid, p->comm, started ? proc_guest_ts(f, p) : 0,
             data ? data : "{\"hvscope.truncated\":true}");
}

static void cred_event(struct flight *f, const struct proc *old, const struct proc *p, const hvs_task *t) {
        struct jbuf j;
        proc_data(f, &j, p, t);
        char id[16];
        snprintf(id, sizeof id, "%" PRIu32, old->uid);
        jb_str(&j, "hvscope.previous.real_user.id", id);
        snprintf(id, sizeof id, "%" PRIu32, old->euid);
        jb_str(&j, "hvscope.previous.user.id", id);
        snprintf(id, sizeof id, "%" PRIu32, old->gid);
        jb_str(&j, "hvscope.previous.real_group.id", id);
        snprintf(id, sizeof id, "%" PRIu32, old->egid);
        jb_str(&j, "hvscope.previous.group.id", id);
        bool to_root = (p->uid == 0 && old->uid != 0) || (p->euid == 0 && old->euid != 0);
        jb_bool(&j, "hvscope.to_root", to_root);
        snprintf(f->summary, sizeof f->summary,
                 "credential-change without exec: pid %d '%s' uid %" PRIu32 "->%" PRIu32 " euid %" PRIu32
                 "->%" PRIu32 " gid %" PRIu32 "->%" PRIu32 " egid %" PRIu32 "->%" PRIu32,
                 p->pid, p->comm, old->uid, p->uid, old->euid, p->euid, old->gid, p->gid, old->egid, p->egid);
        const char *data = jb_end(&j);
        fr_send(f, "iam", "credential-change", to_root ? 3 : 1, p->pid, p->comm, 0,
             data ? data : "{\"hvscope.truncated\":true}");
}

static int task_cmp(const void *a, const void *b) {
        const hvs_task *x = a, *y = b;
        if (x->pid != y->pid)
                return x->pid < y->pid ? -1 : 1;
        return x->start_boottime_ns < y->start_boottime_ns ? -1 : x->start_boottime_ns > y->start_boottime_ns;
}

static int step_procs(struct flight *f) {
        hvs_task_list *tl = NULL;
        int r = hvs_linux_tasks(f->k, &tl);
        if (r < 0) {
                if (r == -ENOMEM || ++f->task_failures >= MAX_TASK_FAILURES)
                        return r;
                return 0;       /* a torn read of init_task: try again next time */
        }
        f->task_failures = 0;
        hvs_task *ts = tl->tasks;
        size_t nt = 0;
        for (size_t i = 0; i < tl->n; i++)      /* keep the ones watched, in place */
                if (f->o.kthreads || !ts[i].kthread)
                        ts[nt++] = ts[i];
                else
                        free(ts[i].argv), ts[i].argv = NULL;
        for (size_t i = nt; i < tl->n; i++)
                ts[i].argv = NULL;
        tl->n = nt;
        qsort(ts, nt, sizeof *ts, task_cmp);
        bool complete = !tl->truncated;
        bool quiet = f->first && !f->o.baseline;
        size_t cap = f->nprocs + nt;
        struct proc *out = cap ? hvs_calloc(cap, sizeof *out) : NULL;
        if (cap && !out) {
                hvs_task_list_free(tl);
                return -ENOMEM;
        }
        size_t n = 0, i = 0, j = 0;
        while (i < f->nprocs || j < nt) {
                struct proc cur;
                int c;
                if (j < nt)
                        proc_from(&cur, &ts[j]);
                if (i >= f->nprocs)
                        c = 1;
                else if (j >= nt)
                        c = -1;
                else
                        c = proc_cmp(&f->procs[i], &cur);
                if (c < 0) {            /* known, not seen this time */
                        struct proc *p = &f->procs[i++];
                        if (complete && ++p->missing >= f->o.gone_after) {
                                if (!p->exited)
                                        proc_event(f, "process-exited", p, NULL);
                                continue;
                        }
                        out[n++] = *p;
                        continue;
                }
                const hvs_task *t = &ts[j++];
                if (c > 0) {            /* new */
                        if (!quiet)
                                proc_event(f, f->first ? "process-present" : "process-started", &cur, t);
                        if (cur.exited && !f->first)
                                proc_event(f, "process-exited", &cur, t);
                        out[n++] = cur;
                        continue;
                }
                struct proc *old = &f->procs[i++];
                bool comm_changed = strcmp(old->comm, cur.comm) != 0;
                bool args_changed = old->args_ok && cur.args_ok && old->args_hash != cur.args_hash;
                bool cred_changed = old->cred_ok && cur.cred_ok &&
                                    (old->uid != cur.uid || old->euid != cur.euid || old->gid != cur.gid ||
                                     old->egid != cur.egid);
                if (comm_changed || args_changed) {
                        proc_event(f, "exec", &cur, t);
                } else if (cred_changed && (f->o.views & HVS_WATCH_FLIGHT_CREDS)) {
                        cred_event(f, old, &cur, t);
                }
                if (cur.exited && !old->exited)
                        proc_event(f, "process-exited", &cur, t);
                /* Keep the last whole reading of what this one could not read. */
                if (!cur.cred_ok)
                        cur.uid = old->uid, cur.gid = old->gid, cur.euid = old->euid, cur.egid = old->egid,
                        cur.cred_ok = old->cred_ok;
                if (!cur.args_ok)
                        cur.args_hash = old->args_hash, cur.args_ok = old->args_ok;
                cur.exited |= old->exited;
                out[n++] = cur;
        }
        hvs_task_list_free(tl);
        free(f->procs);
        f->procs = out;
        f->nprocs = n;
        return 0;
}

/* ---- modules -------------------------------------------------------------- */

static int mod_cmp(const void *a, const void *b) {
        const struct mod *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        if (c)
                return c;
        return x->base < y->base ? -1 : x->base > y->base;
}

static void mod_event(struct flight *f, const char *action, const struct mod *m) {
        struct jbuf j;
        char addr[24];
        jb_init(&j, f->data, sizeof f->data);
        jb_str(&j, "hvscope.module.name", m->name);
        snprintf(addr, sizeof addr, "0x%016" PRIx64, m->base);
        jb_str(&j, "hvscope.module.base", addr);
        jb_u64(&j, "hvscope.module.size", m->size);
        snprintf(f->summary, sizeof f->summary, "%s: '%s' at 0x%" PRIx64 " (%" PRIu64 " bytes)", action, m->name,
                 m->base, m->size);
        const char *data = jb_end(&j);
        fr_send(f, "driver", action, 1, -1, NULL, 0, data);
}

static int step_modules(struct flight *f) {
        hvs_module_list *ml = NULL;
        int r = hvs_linux_modules(f->k, &ml);
        if (r < 0)
                return r;
        struct mod *cur = ml->n ? hvs_calloc(ml->n, sizeof *cur) : NULL;
        struct mod *out = ml->n + f->nmods ? hvs_calloc(ml->n + f->nmods, sizeof *out) : NULL;
        if ((ml->n && !cur) || (ml->n + f->nmods && !out)) {
                free(cur);
                free(out);
                hvs_module_list_free(ml);
                return -ENOMEM;
        }
        for (size_t i = 0; i < ml->n; i++) {
                memcpy(cur[i].name, ml->modules[i].name, sizeof cur[i].name);
                cur[i].base = ml->modules[i].base;
                cur[i].size = ml->modules[i].size;
        }
        size_t nc = ml->n;
        bool complete = !ml->truncated;
        hvs_module_list_free(ml);
        qsort(cur, nc, sizeof *cur, mod_cmp);
        bool quiet = f->first && !f->o.baseline;
        size_t n = 0, i = 0, j = 0;
        while (i < f->nmods || j < nc) {
                int c = i >= f->nmods ? 1 : j >= nc ? -1 : mod_cmp(&f->mods[i], &cur[j]);
                if (c < 0) {
                        struct mod *m = &f->mods[i++];
                        if (complete && ++m->missing >= f->o.gone_after) {
                                mod_event(f, "module-unloaded", m);
                                continue;
                        }
                        out[n++] = *m;
                } else if (c > 0) {
                        if (!quiet)
                                mod_event(f, f->first ? "module-present" : "module-loaded", &cur[j]);
                        out[n++] = cur[j++];
                } else {
                        out[n++] = cur[j++];
                        i++;
                }
        }
        free(cur);
        free(f->mods);
        f->mods = out;
        f->nmods = n;
        return 0;
}

/* ---- sockets -------------------------------------------------------------- */

static int sock_cmp(const void *a, const void *b) {
        const struct sock *x = a, *y = b;
        if (x->addr != y->addr)
                return x->addr < y->addr ? -1 : 1;
        if (x->inode != y->inode)
                return x->inode < y->inode ? -1 : 1;
        if (x->proto != y->proto)
                return x->proto < y->proto ? -1 : 1;
        if (x->lport != y->lport)
                return x->lport < y->lport ? -1 : 1;
        return (x->rport > y->rport) - (x->rport < y->rport);
}

static void ip_text(uint8_t family, const uint8_t *a, char *out, size_t cap) {
        if (!inet_ntop(family == HVS_AF_INET6 ? AF_INET6 : AF_INET, a, out, (socklen_t)cap))
                hvs_strlcpy(out, "?", cap);
}

static void sock_event(struct flight *f, const char *action, const struct sock *s) {
        struct jbuf j;
        char la[64], ra[64];
        const char *proto = hvs_sock_proto_name((enum hvs_sock_proto)s->proto, s->family);
        const char *state = hvs_sock_state_name((enum hvs_sock_proto)s->proto, s->state);
        ip_text(s->family, s->laddr, la, sizeof la);
        ip_text(s->family, s->raddr, ra, sizeof ra);
        jb_init(&j, f->data, sizeof f->data);
        jb_str(&j, "network.transport", s->proto == HVS_SOCK_TCP ? "tcp" : "udp");
        jb_str(&j, "network.type", s->family == HVS_AF_INET6 ? "ipv6" : "ipv4");
        jb_str(&j, "source.ip", la);
        jb_u64(&j, "source.port", s->lport);
        if (s->rport) {
                jb_str(&j, "destination.ip", ra);
                jb_u64(&j, "destination.port", s->rport);
        }
        jb_str(&j, "hvscope.socket.state", state);
        jb_u64(&j, "hvscope.socket.inode", s->inode);
        if (s->pid > 0) {
                jb_i64(&j, "process.pid", s->pid);
                jb_str(&j, "process.name", s->comm);
        }
        if (s->rport)
                snprintf(f->summary, sizeof f->summary, "%s: %s %s:%u -> %s:%u %s", action, proto, la, s->lport, ra,
                         s->rport, state);
        else
                snprintf(f->summary, sizeof f->summary, "%s: %s %s:%u %s", action, proto, la, s->lport, state);
        if (s->pid > 0) {
                size_t l = strlen(f->summary);
                snprintf(f->summary + l, sizeof f->summary - l, " by pid %d '%s'", s->pid, s->comm);
        }
        const char *data = jb_end(&j);
        fr_send(f, "network", action, 0, s->pid > 0 ? s->pid : -1, s->pid > 0 ? s->comm : NULL, 0, data);
}

static bool sock_watched(const hvs_socket *s) {
        /* TIME_WAIT and SYN_RECV entries are the kernel's leftovers and
         * half-open requests, not sockets a process holds. */
        return (s->proto == HVS_SOCK_TCP || s->proto == HVS_SOCK_UDP) && s->state != HVS_TCP_TIME_WAIT &&
               s->inode != 0;
}

static void sock_from(struct sock *d, const hvs_socket *s) {
        *d = (struct sock){
                .addr = s->addr.v, .inode = s->inode, .proto = (uint8_t)s->proto, .family = (uint8_t)s->family,
                .state = s->state, .lport = s->local_port, .rport = s->remote_port, .pid = -1,
        };
        memcpy(d->laddr, s->local_addr, 16);
        memcpy(d->raddr, s->remote_addr, 16);
        if (s->n_owners) {
                d->pid = s->owners[0].pid;
                memcpy(d->comm, s->owners[0].comm, sizeof d->comm);
        }
}

/* Owners of the new sockets only: the owner walk reads every process's
 * descriptor table, so it runs only when something new appeared. */
static void find_owners(struct flight *f, struct sock *news, size_t n) {
        hvs_socket_list *sl = NULL;
        if (!n || hvs_linux_sockets(f->k, HVS_NET_TCP | HVS_NET_UDP | HVS_NET_OWNERS, &sl) < 0)
                return;
        for (size_t i = 0; i < sl->n; i++) {
                if (!sock_watched(&sl->socks[i]) || !sl->socks[i].n_owners)
                        continue;
                struct sock key;
                sock_from(&key, &sl->socks[i]);
                struct sock *hit = bsearch(&key, news, n, sizeof *news, sock_cmp);
                if (hit) {
                        hit->pid = key.pid;
                        memcpy(hit->comm, key.comm, sizeof hit->comm);
                }
        }
        hvs_socket_list_free(sl);
}

static int step_sockets(struct flight *f) {
        hvs_socket_list *sl = NULL;
        int r = hvs_linux_sockets(f->k, HVS_NET_TCP | HVS_NET_UDP, &sl);
        if (r < 0)
                return r;
        struct sock *cur = sl->n ? hvs_calloc(sl->n, sizeof *cur) : NULL;
        struct sock *out = sl->n + f->nsocks ? hvs_calloc(sl->n + f->nsocks, sizeof *out) : NULL;
        struct sock *news = sl->n ? hvs_calloc(sl->n, sizeof *news) : NULL;
        if ((sl->n && (!cur || !news)) || (sl->n + f->nsocks && !out)) {
                free(cur), free(out), free(news);
                hvs_socket_list_free(sl);
                return -ENOMEM;
        }
        size_t nc = 0;
        for (size_t i = 0; i < sl->n; i++)
                if (sock_watched(&sl->socks[i]))
                        sock_from(&cur[nc++], &sl->socks[i]);
        bool complete = !sl->truncated;
        hvs_socket_list_free(sl);
        qsort(cur, nc, sizeof *cur, sock_cmp);
        bool quiet = f->first && !f->o.baseline;
        /* Pass 1: which are new (their owners are looked up at once). */
        size_t nn = 0;
        for (size_t i = 0, j = 0; j < nc;) {
                int c = i >= f->nsocks ? 1 : sock_cmp(&f->socks[i], &cur[j]);
                if (c < 0)
                        i++;
                else if (c > 0)
                        news[nn++] = cur[j++];
                else
                        i++, j++;
        }
        if (!quiet)
                find_owners(f, news, nn);
        size_t n = 0, i = 0, j = 0, k = 0;
        while (i < f->nsocks || j < nc) {
                int c = i >= f->nsocks ? 1 : j >= nc ? -1 : sock_cmp(&f->socks[i], &cur[j]);
                if (c < 0) {
                        struct sock *s = &f->socks[i++];
                        if (complete && ++s->missing >= f->o.gone_after) {
                                sock_event(f, "socket-closed", s);
                                continue;
                        }
                        out[n++] = *s;
                } else if (c > 0) {
                        struct sock *s = &news[k++];    /* same order as cur's new ones */
                        if (!quiet)
                                sock_event(f, f->first ? "socket-present" : "socket-opened", s);
                        out[n++] = *s;
                        j++;
                } else {
                        out[n] = f->socks[i++];  /* keep the owner found when it opened */
                        out[n].state = cur[j++].state;
                        out[n++].missing = 0;
                }
        }
        free(cur);
        free(news);
        free(f->socks);
        f->socks = out;
        f->nsocks = n;
        return 0;
}

/* ---- the source ----------------------------------------------------------- */

static void view_off(struct flight *f, unsigned view, const char *name, int err) {
        char data[512];
        struct jbuf j;
        f->o.views &= ~view;
        snprintf(f->summary, sizeof f->summary, "flight recorder: %s view unavailable: %s", name,
                 hvs_linux_errmsg(f->k)[0] ? hvs_linux_errmsg(f->k) : strerror(-err));
        jb_init(&j, data, sizeof data);
        jb_str(&j, "hvscope.view", name);
        jb_i64(&j, "error.code", err);
        fr_send(f, "host", "view-unavailable", 2, -1, NULL, 0, jb_end(&j));
}

static int flight_fd(hvs_watch_source *s) {
        return -1;
}

static int64_t flight_deadline(hvs_watch_source *s) {
        return ((struct flight *)s)->next_ns;
}

static int flight_step(hvs_watch_source *s, int64_t now_ns, hvs_watch_emit_fn emit, void *ctx, hvs_diag *diag) {
        struct flight *f = (struct flight *)s;
        f->emit = emit;
        f->ctx = ctx;
        f->emit_rc = 0;
        f->st.steps++;
        f->read_ts = hvs_watch_now_ns();
        /* The guest ran since the last read: cached translations are stale. */
        hvs_linux_refresh(f->k);
        int r;
        if (f->o.views & (HVS_WATCH_FLIGHT_PROCS | HVS_WATCH_FLIGHT_CREDS)) {
                if ((r = step_procs(f)) < 0)
                        return HVS_DIAG(diag, r, "flight recorder: cannot read the task list: %s",
                                        hvs_linux_errmsg(f->k)[0] ? hvs_linux_errmsg(f->k) : strerror(-r));
        }
        if (f->o.views & HVS_WATCH_FLIGHT_MODULES) {
                r = step_modules(f);
                if (r == -ENOMEM)
                        return HVS_DIAG(diag, r, "flight recorder: out of memory");
                if (r < 0)
                        view_off(f, HVS_WATCH_FLIGHT_MODULES, "modules", r);
        }
        if (f->o.views & HVS_WATCH_FLIGHT_SOCKETS) {
                r = step_sockets(f);
                if (r == -ENOMEM)
                        return HVS_DIAG(diag, r, "flight recorder: out of memory");
                if (r < 0)
                        view_off(f, HVS_WATCH_FLIGHT_SOCKETS, "sockets", r);
        }
        f->first = false;
        /* Keep the grid; a step that overran skips the reads it missed. */
        f->next_ns += f->period_ns;
        if (f->next_ns <= now_ns)
                f->next_ns = now_ns + f->period_ns;
        return f->emit_rc > 0 ? f->emit_rc : 0;
}

static void flight_stats(hvs_watch_source *s, hvs_watch_stats *st) {
        *st = ((struct flight *)s)->st;
}

static void flight_free(hvs_watch_source *s) {
        struct flight *f = (struct flight *)s;
        if (!f)
                return;
        free(f->procs);
        free(f->mods);
        free(f->socks);
        free(f);
}

static const hvs_watch_source_ops flight_ops = {
        .name = SRC,
        .fd = flight_fd,
        .deadline_ns = flight_deadline,
        .step = flight_step,
        .stats = flight_stats,
        .free = flight_free,
};

int hvs_watch_flight_new_linux(hvs_linux *k, const hvs_watch_flight_opts *opts, hvs_watch_source **ret,
                               hvs_diag *diag) {
        hvs_watch_flight_opts o = { 0 };
        if (opts) {
                if (opts->sz < sizeof(size_t) || opts->sz > sizeof o)
                        return HVS_DIAG(diag, -EINVAL, "flight recorder: bad options size %zu", opts->sz);
                memcpy(&o, opts, opts->sz);
        }
        if (!k || !ret)
                return -EINVAL;
        if (o.rate_hz == 0)
                o.rate_hz = HVS_WATCH_FLIGHT_DEFAULT_HZ;
        if (!(o.rate_hz > 0) || o.rate_hz > HVS_WATCH_FLIGHT_MAX_HZ || isnan(o.rate_hz))
                return HVS_DIAG(diag, -EINVAL, "flight recorder: rate %g Hz out of range (0, %g]", o.rate_hz,
                                HVS_WATCH_FLIGHT_MAX_HZ);
        if (!o.views)
                o.views = HVS_WATCH_FLIGHT_ALL;
        if (o.views & ~HVS_WATCH_FLIGHT_ALL)
                return HVS_DIAG(diag, -EINVAL, "flight recorder: unknown view bits 0x%x", o.views);
        if (o.views & HVS_WATCH_FLIGHT_CREDS)
                o.views |= HVS_WATCH_FLIGHT_PROCS;      /* the same walk */
        if (!o.gone_after)
                o.gone_after = HVS_WATCH_FLIGHT_GONE_AFTER;
        struct flight *f = hvs_calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->base.ops = &flight_ops;
        f->k = k;
        f->o = o;
        f->period_ns = (int64_t)(1e9 / o.rate_hz);
        f->next_ns = (int64_t)hvs_now_ns();
        f->first = true;
        f->boot_ns = hvs_linux_get_info(k)->boot_time_ns;
        *ret = &f->base;
        return 0;
}

int hvs_watch_flight_new(hvs_session *s, const hvs_watch_flight_opts *opts, hvs_watch_source **ret,
                         hvs_diag *diag) {
        if (!s)
                return -EINVAL;
        return hvs_watch_flight_new_linux(hvs_session_linux(s), opts, ret, diag);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tasks.c - the process list, from init_task's task list.
 *
 * Each task_struct is copied once (C6) and decoded from the copy; the fields
 * behind pointers (cred, real_parent, signal, mm) are read one by one, and a
 * failure there marks the task partial instead of dropping it. The command
 * line is read from the process's own memory through its own page tables.
 */
#include <inttypes.h>
#include "linux-internal.h"
#include "list.h"

#define PF_KTHREAD 0x00200000u
#define MAX_TASK_STRUCT (64u << 10)     /* task_struct is ~10 KiB; more is implausible */

/*
 * fs/proc/array.c: task_state_array, indexed by __task_state_index() of
 * include/linux/sched.h as current kernels (and 6.1 stable) have it: TASK_IDLE
 * with other bits set (TASK_FREEZABLE) is still 'I', and a task waiting on an
 * RT lock or frozen is shown as 'D'.
 */
static char state_letter(uint64_t state, uint32_t exit_state) {
        static const char letters[] = "RSDTtXZPI";
        const uint64_t TASK_REPORT = 0x7f, TASK_IDLE = 0x402, TASK_REPORT_IDLE = 0x80;
        const uint64_t TASK_UNINTERRUPTIBLE = 0x2, TASK_RTLOCK_WAIT = 0x1000, TASK_FROZEN = 0x8000;
        uint64_t s = (state | exit_state) & TASK_REPORT;
        if ((state & TASK_IDLE) == TASK_IDLE)
                s = TASK_REPORT_IDLE;
        if (state & (TASK_RTLOCK_WAIT | TASK_FROZEN))
                s = TASK_UNINTERRUPTIBLE;
        unsigned idx = s ? (unsigned)(64 - __builtin_clzll(s)) : 0;
        return idx < sizeof letters - 1 ? letters[idx] : '?';
}

int lx_mm_vas(hvs_linux *k, uint64_t mm, hvs_vas **ret) {
        uint64_t pgd;
        hvs_gpa pgd_pa;
        if (mm == 0)
                return -ENOENT;
        int r = lx_read_u64(k->kvas, mm, k->off.mm_pgd, &pgd);
        if (r < 0)
                return r;
        if ((r = hvs_vas_translate(k->kvas, HVS_GVA(pgd), &pgd_pa)) < 0)
                return r;
        return hvs_vas_new(k->mem, pgd_pa, k->info.paging, ret);
}

/* Read the process's arguments [arg_start, arg_end) through its own page tables. */
static void read_cmdline(hvs_linux *k, hvs_task *t) {
        hvs_vas *kv = k->kvas;
        const struct lx_offsets *o = &k->off;
        uint64_t start, end;
        _cleanup_(hvs_vas_freep) hvs_vas *uv = NULL;
        if (lx_read_u64(kv, t->mm.v, o->mm_arg_start, &start) < 0 || lx_read_u64(kv, t->mm.v, o->mm_arg_end, &end) < 0 ||
            end <= start || lx_mm_vas(k, t->mm.v, &uv) < 0) {
                t->partial |= HVS_TASK_PARTIAL_CMDLINE;
                return;
        }
        uint64_t len = end - start;
        if (len > k->limits.max_cmdline) {
                len = k->limits.max_cmdline;
                t->partial |= HVS_TASK_PARTIAL_CMDLINE_TRUNC;
        }
        char *buf = hvs_malloc((size_t)len + 1);
        if (!buf) {
                t->partial |= HVS_TASK_PARTIAL_CMDLINE;
                return;
        }
        if (hvs_vas_read(uv, HVS_GVA(start), buf, (size_t)len) < 0) {
                free(buf);
                t->partial |= HVS_TASK_PARTIAL_CMDLINE;
                return;
        }
        /* Drop the final NUL(s) so argv_len counts the arguments and separators. */
        while (len > 0 && buf[len - 1] == '\0')
                len--;
        buf[len] = '\0';
        t->argv = buf;
        t->argv_len = (size_t)len;
}

static int read_task(hvs_linux *k, uint64_t addr, const uint8_t *ts, hvs_task *t) {
        const struct lx_offsets *o = &k->off;
        hvs_vas *kv = k->kvas;
        *t = (hvs_task){ .addr = HVS_GVA(addr) };

        t->pid = (int32_t)hvs_le32(ts + o->task_pid);
        t->tgid = (int32_t)hvs_le32(ts + o->task_tgid);
        t->state_raw = hvs_leN(ts + o->task_state, o->task_state_size);
        t->flags = hvs_le32(ts + o->task_flags);
        t->state = state_letter(t->state_raw, hvs_le32(ts + o->task_exit_state));
        t->kthread = t->flags & PF_KTHREAD;
        size_t cl = MIN((size_t)o->task_comm_size, sizeof t->comm - 1);
        memcpy(t->comm, ts + o->task_comm, cl);
        t->comm[cl] = '\0';
        for (size_t i = 0; t->comm[i]; i++)     /* comm is guest-controlled: keep it printable */
                if ((unsigned char)t->comm[i] < 0x20 || (unsigned char)t->comm[i] == 0x7f)
                        t->comm[i] = '?';
        if (o->task_start_boottime != LX_ABSENT)
                t->start_boottime_ns = hvs_le64(ts + o->task_start_boottime);
        t->mm = HVS_GVA(hvs_le64(ts + o->task_mm));

        uint64_t parent = hvs_le64(ts + o->task_real_parent);
        uint32_t ptgid;
        if (lx_read_u32(kv, parent, o->task_tgid, &ptgid) == 0)
                t->ppid = (int32_t)ptgid;
        else
                t->partial |= HVS_TASK_PARTIAL_PARENT;

        uint64_t cred = hvs_le64(ts + o->task_cred);
        if (lx_read_u32(kv, cred, o->cred_uid, &t->uid) < 0 || lx_read_u32(kv, cred, o->cred_gid, &t->gid) < 0 ||
            lx_read_u32(kv, cred, o->cred_euid, &t->euid) < 0 || lx_read_u32(kv, cred, o->cred_egid, &t->egid) < 0)
                t->partial |= HVS_TASK_PARTIAL_CRED;

        uint64_t sig = hvs_le64(ts + o->task_signal);
        if (o->signal_nr_threads == LX_ABSENT || lx_read_u32(kv, sig, o->signal_nr_threads, &t->nr_threads) < 0)
                t->partial |= HVS_TASK_PARTIAL_SIGNAL;

        if (t->kthread || t->mm.v == 0)
                t->mm = HVS_GVA(0);
        else
                read_cmdline(k, t);
        return 0;
}

static bool offsets_fit(const struct lx_offsets *o) {
        /* 64-bit sums: offsets from a profile cache are untrusted and may be near UINT32_MAX. */
        const uint64_t ends[] = {
                (uint64_t)o->task_pid + 4, (uint64_t)o->task_tgid + 4,
                (uint64_t)o->task_state + o->task_state_size, (uint64_t)o->task_flags + 4,
                (uint64_t)o->task_exit_state + 4, (uint64_t)o->task_comm + o->task_comm_size,
                (uint64_t)o->task_mm + 8, (uint64_t)o->task_real_parent + 8, (uint64_t)o->task_cred + 8,
                (uint64_t)o->task_signal + 8, (uint64_t)o->task_tasks + 16,
                o->task_start_boottime == LX_ABSENT ? 0 : (uint64_t)o->task_start_boottime + 8,
        };
        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                if (ends[i] > o->task_size)
                        return false;
        return o->task_size <= MAX_TASK_STRUCT;
}

/* A walk stopped on a cycle listed some tasks twice: keep each once. */
static void drop_repeats(hvs_task_list *l) {
        size_t keep = hvs_list_unrepeated(l->tasks, l->n, sizeof *l->tasks, offsetof(hvs_task, addr));
        for (size_t i = keep; i < l->n; i++)
                free(l->tasks[i].argv);
        l->n = keep;
}

int hvs_linux_tasks(hvs_linux *k, hvs_task_list **ret) {
        const struct lx_offsets *o = &k->off;
        if (!offsets_fit(o))
                return HVS_BADMSG(&k->diag, "task_struct field offsets exceed its size %u", o->task_size);
        _cleanup_free_ uint8_t *ts = hvs_malloc(o->task_size);
        hvs_task_list *l = hvs_calloc(1, sizeof *l);
        if (!ts || !l) {
                free(l);
                return -ENOMEM;
        }
        size_t cap = 0;
        int r = hvs_vas_read(k->kvas, HVS_GVA(k->init_task), ts, o->task_size);
        if (r < 0) {
                free(l);
                return HVS_DIAG(&k->diag, r, "init_task at 0x%" PRIx64 " unreadable", k->init_task);
        }

        hvs_list_iter it;
        hvs_list_iter_init(&it, k->kvas, HVS_GVA(k->init_task + o->task_tasks), k->limits.max_tasks);
        hvs_gva node;
        while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                uint64_t addr = node.v - o->task_tasks;
                if (hvs_vas_read(k->kvas, HVS_GVA(addr), ts, o->task_size) < 0) {
                        r = -EFAULT;
                        break;
                }
                if (l->n == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        hvs_task *nt = hvs_reallocarray(l->tasks, ncap, sizeof *nt);
                        if (!nt) {
                                hvs_task_list_free(l);
                                return -ENOMEM;
                        }
                        l->tasks = nt;
                        cap = ncap;
                }
                read_task(k, addr, ts, &l->tasks[l->n++]);
        }
        if (r < 0) {
                drop_repeats(l);
                l->truncated = true;
                l->trunc_err = r;
                snprintf(l->trunc_msg, sizeof l->trunc_msg, "task list walk stopped after %zu tasks at 0x%" PRIx64 ": %s",
                         l->n, it.cur.v, hvs_strerror(r));
        }
        *ret = l;
        return 0;
}

hvs_task_list *hvs_task_list_free(hvs_task_list *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                free(l->tasks[i].argv);
        free(l->tasks);
        free(l);
        return NULL;
}

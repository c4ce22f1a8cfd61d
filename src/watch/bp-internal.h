/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bp-internal.h - the argument decoders of the breakpoint source (bp.c),
 * apart from the gdbstub so that unit tests run them on a fake guest.
 *
 * A decoder gets the registers of the vCPU that stopped at a probed
 * function's first instruction (System V: arguments in rdi, rsi, rdx, rcx,
 * r8, r9) and reads what they point to through the kernel's page tables
 * (and, for user pointers, the current process's). Every read is bounded;
 * what cannot be read is left out and the event says so
 * ("hvscope.partial": true): a hit is never dropped for a bad pointer.
 */
#ifndef HVS_WATCH_BP_INTERNAL_H
#define HVS_WATCH_BP_INTERNAL_H

#include <hvscope/watch.h>
#include "os/linux/linux-internal.h"
#include "watch/gdb-rsp.h"

enum bp_kind { BP_EXEC, BP_CREDS, BP_MODULE, BP_CONNECT, BP_FUNC };

/* Kernel field offsets the decoders need beyond k->off; LX_ABSENT = absent. */
struct bp_offsets {
        uint32_t regs_di, regs_si;              /* struct pt_regs (the syscall's user registers) */
        uint32_t module_name, module_name_size;
        uint32_t skc_daddr, skc_rcv_saddr, skc_dport, skc_num, skc_family, skc_v6_daddr, skc_v6_rcv_saddr;
        uint64_t current_task;                  /* per-CPU offset of the current task pointer */
};

/* The decoded event, in buffers of its own (the hvs_watch_event points into them). */
struct bp_event {
        hvs_watch_event ev;
        char comm[17];
        char summary[512];
        char data[8192];
};

/* A pointer into the kernel half (what a task, cred or GS base must be). */
static inline bool kernel_addr(uint64_t a) { return a >= 0xff00000000000000ull; }

/* What bp_task_info() reads of a task (pid -1 = unknown). */
struct task_info {
        int32_t pid, tid;
        uint64_t mm;
        uint32_t uid, gid, euid, egid;
        bool have_cred;
};

/* bp_task_info() - thread-group id, thread id, mm, comm and credentials of the
 * task at @task (0 = none: pid -1); what does not read is left out. */
void bp_task_info(hvs_linux *k, uint64_t task, struct task_info *ti, char *comm, size_t comm_cap);

/* bp_current_task_offset() - the per-CPU offset of the current task pointer:
 * the symbol current_task (to 6.1) or pcpu_hot + its current_task field.
 * Return: 0; -ENOENT (named in @diag). */
int bp_current_task_offset(hvs_linux *k, uint64_t *ret, hvs_diag *diag);

/*
 * bp_current() - the task current on a vCPU: *(GS base + o->current_task);
 * GS base is @regs->gs_base in kernel mode, else @regs->k_gs_base.
 * Return: 0; -EFAULT; -ENOENT (no per-CPU base).
 */
int bp_current(hvs_linux *k, const struct bp_offsets *o, const struct rsp_x86_regs *regs, uint64_t *ret);

/*
 * bp_decode() - fill @out for a hit of a probe of @kind on function @func at
 * host time @ts_ns, by the task at @task (0 = unknown).
 * Return: 0 (always emits; what could not be read is marked partial);
 * -EINVAL for a bad @kind.
 */
int bp_decode(hvs_linux *k, const struct bp_offsets *o, enum bp_kind kind, const char *func,
              const struct rsp_x86_regs *regs, uint64_t task, int64_t ts_ns, struct bp_event *out);

/*
 * The hit-rate guard of one probe (times CLOCK_MONOTONIC ns). A probe hit
 * more than @limit times within one second is suspended (its breakpoint
 * removed) for @backoff_ms; put back, it gets HVS_WATCH_BP_CALM_MS to stay
 * calm, or the next suspension is twice as long (up to
 * HVS_WATCH_BP_SUSPEND_MAX_MS).
 */
struct bp_governor {
        uint32_t limit;                 /* hits per second; 0 = no guard */
        int64_t win_start;
        uint32_t win_hits;
        bool suspended;
        int64_t until;                  /* when suspended: the time to put it back */
        int64_t rearmed_at;             /* the last time it was put back (0 = never) */
        uint32_t backoff_ms;            /* the next suspension's length */
        uint32_t suspensions;
};

/* bp_governor_init() - a guard of @limit hits per second (0 = none). */
void bp_governor_init(struct bp_governor *g, uint32_t limit);

/* bp_governor_hit() - count a hit at @now. Return: true when the probe must be
 * suspended now (g->until is set; the caller removes the breakpoint). */
bool bp_governor_hit(struct bp_governor *g, int64_t now);

/* bp_governor_rearm() - the probe is back at @now. */
void bp_governor_rearm(struct bp_governor *g, int64_t now);

#endif

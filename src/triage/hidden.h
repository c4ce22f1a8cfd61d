/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hidden.h - the hidden-process and hidden-module checks (hidden-procs.c,
 * hidden-modules.c) and the physical-memory structure scan they share
 * (hidden-scan.c). Offsets are given explicitly, so unit tests and fuzz
 * targets drive the views and validators on a fake guest without BTF.
 * Internal to the library.
 */
#ifndef HVS_TRIAGE_HIDDEN_H
#define HVS_TRIAGE_HIDDEN_H

#include <stdbool.h>
#include <stdint.h>
#include <hvscope/linux.h>
#include <hvscope/mem.h>
#include <hvscope/vas.h>
#include "triage-internal.h"

#define HP_ABSENT UINT32_MAX

/* ---- a growable set of guest addresses ---- */

struct addrset {
        uint64_t *v;
        size_t n, cap;
        bool sorted;
};
/* Add @a (duplicates are removed by addrset_sort()). Return: 0; -ENOMEM; -E2BIG past @max. */
int addrset_add(struct addrset *s, uint64_t a, size_t max);
void addrset_sort(struct addrset *s);
bool addrset_has(const struct addrset *s, uint64_t a); /* after addrset_sort() */
void addrset_free(struct addrset *s);

/* Where kernel objects may live, for pointer plausibility. */
struct kbounds {
        uint64_t pob, pob_end;          /* direct map: page_offset_base .. + top of RAM */
        uint64_t img, img_end;          /* kernel image: _text .. _end */
        uint64_t mod, mod_end;          /* module space (MODULES_VADDR .. MODULES_END) */
};
bool kb_direct(const struct kbounds *b, uint64_t p);
bool kb_kernel(const struct kbounds *b, uint64_t p);    /* direct map or image */
/* The bounds of @k's kernel: direct map over all of @m's RAM, the image to _end, module space. (hidden-procs.c) */
void hidden_kbounds(hvs_linux *k, hvs_mem *m, struct kbounds *kb);

/* ---- the physical scan (hidden-scan.c) ---- */

/*
 * Call @fn for every @align-aligned guest-physical address of RAM, with the
 * bytes from there: at least @window (fewer only at the end of a RAM range;
 * @avail says how many). Reads RAM in chunks, takes each chunk from @b's byte
 * budget and stops when the budget (bytes or time) is spent. A negative
 * return of @fn stops the scan and is returned. Return: 0; -ENOMEM; @fn's.
 */
int hscan_phys(hvs_mem *m, struct triage_budget *b, uint32_t align, uint32_t window,
               int (*fn)(void *ud, uint64_t pa, const uint8_t *p, size_t avail), void *ud);

/* ---- hidden processes (hidden-procs.c) ---- */

struct hp_offsets {
        uint32_t task_size;
        uint32_t tasks, pid, tgid, comm, comm_size, flags, exit_state, state;
        uint32_t mm, active_mm, cred, real_cred, group_leader;
        uint32_t pid_links;             /* task_struct.pid_links[PIDTYPE_PID] */
        uint32_t pid_tasks;             /* struct pid.tasks[PIDTYPE_PID] (hlist_head) */
        uint32_t idr_xa_head;           /* struct idr .idr_rt.xa_head */
        uint32_t xn_shift, xn_slots;    /* struct xa_node */
        uint32_t task_se;               /* task_struct.se (struct sched_entity) */
        uint32_t se_run_node, se_my_q;  /* sched_entity.run_node, .my_q (HP_ABSENT without group scheduling) */
        uint32_t rq_curr, rq_cfs;       /* rq.curr, rq.cfs (struct cfs_rq) */
        uint32_t cfs_timeline, cfs_curr;/* cfs_rq.tasks_timeline.rb_root.rb_node, cfs_rq.curr */
        uint32_t rb_left, rb_right;
        /* Real-time and deadline classes (each HP_ABSENT when the kernel has
         * no such field: that class's queue is not read). */
        uint32_t task_rt, rt_run_list;  /* task_struct.rt, sched_rt_entity.run_list */
        uint32_t rt_my_q;               /* sched_rt_entity.my_q (RT group scheduling only) */
        uint32_t rq_rt, rt_queue;       /* rq.rt, rt_rq.active.queue (list_head[MAX_RT_PRIO]) */
        uint32_t rt_queue_size;         /* sizeof rt_rq.active.queue */
        uint32_t task_dl, dl_rb_node;   /* task_struct.dl, sched_dl_entity.rb_node */
        uint32_t rq_dl, dl_root;        /* rq.dl, dl_rq.root.rb_root.rb_node */
        uint32_t rq_fair_server;        /* rq.fair_server: a deadline entity that is no task (6.12) */
};

/* What the check reads the guest with. */
struct hp_ctx {
        hvs_vas *kv;
        hvs_mem *mem;
        const struct hp_offsets *o;
        struct kbounds kb;
        uint64_t init_task;             /* head of the task list */
        uint64_t idr;                   /* &init_pid_ns.idr, 0 = unknown */
        uint64_t runqueues;             /* the per-cpu variable's address, 0 = unknown */
        const uint64_t *cpu_off;        /* __per_cpu_offset[] values */
        uint32_t ncpus;
        uint32_t max_tasks;
};

/* The views; each adds task_struct addresses to @out. Return: 0; -errno (partial results stay). */
int hp_view_tasklist(struct hp_ctx *c, struct addrset *out);
int hp_view_idr(struct hp_ctx *c, struct addrset *out);
int hp_view_runqueues(struct hp_ctx *c, struct addrset *out);
int hp_view_scan(struct hp_ctx *c, struct triage_budget *b, struct addrset *out);

/*
 * hp_task_plausible() - the structure validator of the memory scan: do the
 * @len bytes at @p look like a live task_struct (pid and tgid in range,
 * comm printable and zero-padded, list links, creds and group leader
 * pointing into the kernel, mm and active_mm consistent)? Reads nothing
 * else. Never reads past @len.
 */
bool hp_task_plausible(const struct hp_offsets *o, const struct kbounds *kb, const uint8_t *p, size_t len);

/* The check proper, on a context built from BTF or by a test: findings for tasks that some view saw
 * and the task list did not. Return: 0; -errno. */
int hp_compare(struct hp_ctx *c, const hvs_triage_opts *opts, hvs_findings *out);

/* ---- hidden modules (hidden-modules.c) ---- */

struct hm_offsets {
        uint32_t mod_size;
        uint32_t list, name, name_size, state, mkobj_mod;       /* module.mkobj.mod: the self pointer */
        uint32_t tree_root;             /* &mod_tree + this = the latch tree's tree[0] (struct rb_root) */
        uint32_t mtn_mod, mtn_node;     /* struct mod_tree_node .mod, .node (latch_tree_node: node[0] first) */
        uint32_t rb_left, rb_right;
};

struct hm_ctx {
        hvs_vas *kv;
        hvs_mem *mem;
        const struct hm_offsets *o;
        struct kbounds kb;
        uint64_t modules;               /* list head */
        uint64_t mod_tree;              /* &mod_tree, 0 = unknown */
        uint32_t max_modules;
};

int hm_view_list(struct hm_ctx *c, struct addrset *out);
int hm_view_tree(struct hm_ctx *c, struct addrset *out);
int hm_view_scan(struct hm_ctx *c, struct triage_budget *b, struct addrset *out);

/* hm_module_plausible() - the validator of the module scan (no guest reads). */
bool hm_module_plausible(const struct hm_offsets *o, const struct kbounds *kb, const uint8_t *p, size_t len);

int hm_compare(struct hm_ctx *c, const hvs_triage_opts *opts, hvs_findings *out);

#endif

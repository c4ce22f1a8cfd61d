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
#include <hvscope/limits.h>
#include <hvscope/linux.h>
#include <hvscope/mem.h>
#include <hvscope/vas.h>
#include "arch/x86/x86.h"
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

/* ---- hidden modules (hidden-modules.c, module-areas.c, module-syms.c) ---- */

/* The module views, as bits of "seen_by" / "missing_from" / "views_run". */
enum {
        HM_V_LIST = 1u << 0,    /* module-list: the `modules` list */
        HM_V_TREE = 1u << 1,    /* module-tree: mod_tree */
        HM_V_SCAN = 1u << 2,    /* memory-scan: validated struct modules in RAM */
        HM_V_SYSFS = 1u << 3,   /* sysfs: module_kset's kobjects (/sys/module) */
        HM_V_AREAS = 1u << 4,   /* module-areas: its memory is mapped (page tables of module space) */
        HM_V_SYMS = 1u << 5,    /* module-symbols: its own symbol table, consistent with its memory */
        HM_NVIEWS = 6,
};
extern const char *const hm_view_names[HM_NVIEWS];

struct hm_offsets {
        uint32_t mod_size;
        uint32_t list, name, name_size, state, mkobj_mod;       /* module.mkobj.mod: the self pointer */
        uint32_t tree_root;             /* &mod_tree + this = the latch tree's tree[0] (struct rb_root) */
        uint32_t mtn_mod, mtn_node;     /* struct mod_tree_node .mod, .node (latch_tree_node: node[0] first) */
        uint32_t rb_left, rb_right;
        /* A module's memory: mem[] (6.4+: struct module_memory .base, .size) or core/init layouts. */
        uint32_t mem, mem_bytes, mem_elem, mem_base, mem_size;
        uint32_t core_base, core_size, init_base, init_size;
        uint32_t percpu, percpu_size;   /* its per-cpu area (symbols may point there) */
        uint32_t its_num, its_array;    /* its_num_pages, its_page_array: ITS thunk pages (x86) */
        /* Its symbols: module.kallsyms -> struct mod_kallsyms. */
        uint32_t kallsyms, ks_symtab, ks_num, ks_strtab, ks_typetab;
        /* sysfs: module.mkobj (kobj first), kobject.entry, kset.list. */
        uint32_t mkobj, kobj_entry, kset_list;
};

/* Offsets of the kernel's own users of module space (HP_ABSENT when unknown). */
struct hm_known_offsets {
        uint32_t ksym_start, ksym_end, ksym_lnode;      /* struct bpf_ksym */
        uint32_t pack_list, pack_ptr;                   /* struct bpf_prog_pack */
        uint32_t kic_pages;                             /* struct kprobe_insn_cache.pages */
        uint32_t kip_list, kip_insns;                   /* struct kprobe_insn_page */
        uint32_t ops_list, ops_tramp, ops_tramp_size;   /* struct ftrace_ops */
};

struct hm_ctx {
        hvs_vas *kv;
        hvs_mem *mem;
        const struct hm_offsets *o;
        struct kbounds kb;              /* kb.mod .. kb.mod_end: module space, the range the areas view walks */
        uint64_t modules;               /* list head */
        uint64_t mod_tree;              /* &mod_tree, 0 = unknown */
        uint64_t module_kset;           /* &module_kset (a struct kset *), 0 = unknown */
        uint32_t max_modules;
        /* The kernel's other users of module space: list heads, 0 = unknown. */
        const struct hm_known_offsets *ko;      /* NULL = none known */
        uint64_t bpf_kallsyms;          /* LIST_HEAD bpf_kallsyms (struct bpf_ksym.lnode) */
        uint64_t bpf_packs;             /* LIST_HEAD pack_list (struct bpf_prog_pack.list) */
        uint64_t kprobe_caches[2];      /* kprobe_insn_slots, kprobe_optinsn_slots */
        uint64_t ftrace_tramps;         /* LIST_HEAD ftrace_ops_trampoline_list (struct ftrace_ops.list) */
};

int hm_view_list(struct hm_ctx *c, struct addrset *out);
int hm_view_tree(struct hm_ctx *c, struct addrset *out);
int hm_view_scan(struct hm_ctx *c, struct triage_budget *b, struct addrset *out);
/* /sys/module: the kobjects on module_kset's list whose module_kobject is a loadable module's own mkobj. */
int hm_view_sysfs(struct hm_ctx *c, struct addrset *out);

/* hm_module_plausible() - the validator of the module scan (no guest reads). */
bool hm_module_plausible(const struct hm_offsets *o, const struct kbounds *kb, const uint8_t *p, size_t len);

/* hm_offsets_ok() - every field the check reads lies inside struct module (mod_size) and its own types. */
bool hm_offsets_ok(const struct hm_offsets *o);

/* ---- a module's memory (module-areas.c) ---- */

struct hm_claims;

/* Memory areas of one module kept: 7 mem[] areas (6.4+) or 2 layouts. */
#define HM_MAX_MOD_RANGES 8u

struct hm_range {
        uint64_t lo, hi;                /* [lo, hi), hi page-aligned up */
};

struct hm_modmem {
        struct hm_range r[HM_MAX_MOD_RANGES];
        size_t n;
        uint64_t percpu, percpu_hi;     /* [percpu, percpu_hi): its per-cpu area, 0 = none */
        uint64_t its_array;             /* its_page_array: its ITS thunk pages (x86), 0 = none */
        uint32_t its_num;               /* its_num_pages as stated */
};

/*
 * hm_module_mem() - the memory areas of the struct module at @mod as it
 * states them: mem[].base/size (6.4+) or core_layout and init_layout (up to
 * 6.3), each rounded up to whole pages, its per-cpu area and where its ITS
 * thunk pages are listed. Areas with base 0 or size 0 (freed init memory)
 * are left out; areas outside module space or that wrap are dropped.
 * Return: 0; -EFAULT; -EBADMSG.
 */
int hm_module_mem(struct hm_ctx *c, uint64_t mod, struct hm_modmem *ret);

/*
 * hm_module_its() - add a claim of @owner on each of @m's ITS thunk pages
 * (one page each, allocated one by one: exact claims), at most
 * HVS_MAX_MODULE_ITS_PAGES. Return: 0; -ENOMEM; -E2BIG (claims full).
 */
int hm_module_its(struct hm_ctx *c, const struct hm_modmem *m, uint64_t owner, struct hm_claims *cl);

/* ---- the areas view: what page tables map in module space (module-areas.c) ---- */

enum hm_owner_kind {
        HM_OWN_NONE = 0,
        HM_OWN_MODULE,          /* a module's memory (any view found its struct module) */
        HM_OWN_BPF,             /* eBPF: a bpf_prog_pack, or a JIT image / trampoline in bpf_kallsyms */
        HM_OWN_FTRACE,          /* an ftrace trampoline (ftrace_ops_trampoline_list) */
        HM_OWN_KPROBES,         /* a kprobe instruction-slot page (kprobe_insn_slots, kprobe_optinsn_slots) */
        HM_NOWNERS,
};
extern const char *const hm_owner_names[HM_NOWNERS];

/* One contiguous run of mapped pages. */
struct hm_area {
        uint64_t lo, hi;                /* [lo, hi) */
        uint64_t pa;                    /* physical address of lo */
        uint64_t exec_lo, exec_hi;      /* first executable byte .. end of the last executable page; 0 = none */
        uint32_t pages, exec_pages, wx_pages;   /* in 4 KiB units */
        uint8_t owner_kind;             /* enum hm_owner_kind of the executable part */
        uint64_t owner;                 /* struct module, bpf_ksym / bpf_prog_pack, ftrace_ops, kprobe_insn_page */
};

struct hm_areas {
        struct hm_area *v;
        size_t n, cap;
        struct hvs_x86_range_stats st;
        int err;                        /* the walk's error (-E2BIG: cut at HVS_MAX_MODAREA_TABLES / _AREAS) */
};
void hm_areas_free(struct hm_areas *a);

/* Walk the kernel page tables over module space (c->kb.mod .. c->kb.mod_end) into areas.
 * Return: 0; -ENOMEM; -EIO. A walk cut short keeps its areas and says why in @out->err. */
int hm_view_areas(struct hm_ctx *c, struct hm_areas *out);

/* A claim on module space: [lo, hi) belongs to @owner of @kind. */
struct hm_claim {
        uint64_t lo, hi;
        uint64_t owner;
        uint8_t kind;
        bool exact;                     /* an area must start at lo and end at or before hi (allocations) */
};

struct hm_claims {
        struct hm_claim *v;
        size_t n, cap;
        unsigned known;                 /* bits (1 << kind) of the known users whose registries were read */
};
int hm_claims_add(struct hm_claims *cl, uint64_t lo, uint64_t hi, uint64_t owner, uint8_t kind, bool exact);
void hm_claims_free(struct hm_claims *cl);
/* The kernel's own users of module space from their registries (bounded walks; unreadable ones are skipped). */
int hm_known_claims(struct hm_ctx *c, struct hm_claims *cl);
/*
 * hm_attribute() - give each area the owner whose claims cover its
 * executable part (or the whole area when nothing in it is executable): an
 * exact claim (an allocation a registry names) must start where the area
 * does and end at or after it; other claims (module memory, bpf_ksym
 * ranges) may together cover it. Sorts @cl. Return: 0; -ENOMEM.
 */
int hm_attribute(struct hm_areas *a, struct hm_claims *cl);

/* ---- a module's own symbols (module-syms.c) ---- */

/* Symbol names kept per module for evidence. */
#define HM_SYMS_LISTED 32u

struct hm_syms {
        uint32_t num;                   /* num_symtab as stated */
        uint32_t read;                  /* symbols read (num clamped to HVS_MAX_MODULE_SYMBOLS) */
        uint32_t defined;               /* with an address */
        uint32_t outside;               /* addresses outside its memory and per-cpu area */
        uint64_t first_outside;
        uint32_t nnames;
        char names[HM_SYMS_LISTED][64]; /* functions first, then other symbols */
        char types[HM_SYMS_LISTED];     /* their kallsyms type letters ('?' unknown) */
};

/*
 * hm_module_syms() - read the symbol table of the struct module at @mod
 * (module.kallsyms -> struct mod_kallsyms: symtab of Elf64_Sym, num_symtab,
 * strtab, typetab), check every defined symbol's address against @mem, and,
 * with @names, keep up to HM_SYMS_LISTED names (functions first).
 * Bounded: at most HVS_MAX_MODULE_SYMBOLS symbols, names of at most 63 bytes.
 * Return: 0; -ENOENT (no kallsyms field); -EFAULT (unreadable); -EBADMSG
 * (a count past the limit is clamped and counted, not an error: read < num).
 */
int hm_module_syms(struct hm_ctx *c, uint64_t mod, const struct hm_modmem *mem, bool names, struct hm_syms *ret);

int hm_compare(struct hm_ctx *c, const hvs_triage_opts *opts, hvs_findings *out);

#endif

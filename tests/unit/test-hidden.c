/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hidden.c - the hidden-process and hidden-module checks
 * (src/triage/hidden-*.c) on a fake guest: a task list, a PID table (xarray),
 * a run queue; modules with their memory areas mapped in module space (text
 * executable, data not), their own symbol tables, the module list, address
 * tree and /sys/module kset, and the kernel's other users of module space
 * (a bpf_prog_pack, a JIT image in bpf_kallsyms, an ftrace trampoline, a
 * kprobe instruction page), built here with explicit offsets, then tampered
 * with the way the lab rootkits do.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "triage/hidden.h"
#include "fake_guest.h"

#define RAM (16u << 20)
#define POB 0xffff888000000000ull
#define MODVA 0xffffffffc0000000ull
#define MODPA 0xc00000ull               /* module space backed at 12 MiB */

/* Layouts (bytes): a task_struct of 0x400 with everything the check reads. */
static const struct hp_offsets HO = {
        .task_size = 0x400, .tasks = 0x100, .pid = 0x128, .tgid = 0x12c, .comm = 0x2f0, .comm_size = 16,
        .flags = 0x2c, .exit_state = 0x120, .state = 0x18, .mm = 0x110, .active_mm = 0x118, .cred = 0x2e0,
        .real_cred = 0x2d8, .group_leader = 0x140, .pid_links = 0x150,
        .pid_tasks = 0x8, .idr_xa_head = 0x10, .xn_shift = 0, .xn_slots = 0x28,
        .task_se = 0x200, .se_run_node = 0x0, .se_my_q = 0x40,
        .rq_curr = 0x10, .rq_cfs = 0x40, .cfs_timeline = 0x8, .cfs_curr = 0x20, .rb_left = 0x10, .rb_right = 0x8,
        /* rt_rq at rq+0x100 with 100 list heads at +0x10; dl_rq at rq+0x800; the fair server at rq+0x900 */
        .task_rt = 0x260, .rt_run_list = 0x0, .rt_my_q = HP_ABSENT, .rq_rt = 0x100, .rt_queue = 0x10,
        .rt_queue_size = 100 * 16, .task_dl = 0x270, .dl_rb_node = 0x0, .rq_dl = 0x800, .dl_root = 0x8,
        .rq_fair_server = 0x900,
};
/* struct module as 6.1 lays it out (core_layout/init_layout), and as 6.4+ does (mem[7]). */
#define HM_COMMON                                                                                              \
        .mod_size = 0x200, .list = 0x8, .name = 0x18, .name_size = 56, .state = 0x0, .mkobj_mod = 0x80,       \
        .tree_root = 0x8, .mtn_mod = 0x0, .mtn_node = 0x8, .rb_left = 0x10, .rb_right = 0x8, .percpu = 0x120,   \
        .percpu_size = 0x128, .its_num = 0x12c, .its_array = 0x130, .kallsyms = 0x138, .ks_symtab = 0,        \
        .ks_num = 8, .ks_strtab = 0x10, .ks_typetab = 0x18, .mkobj = 0x60, .kobj_entry = 0x8, .kset_list = 0
static const struct hm_offsets MO = {
        HM_COMMON, .mem = HP_ABSENT, .mem_bytes = HP_ABSENT, .mem_elem = HP_ABSENT, .mem_base = HP_ABSENT,
        .mem_size = HP_ABSENT, .core_base = 0x100, .core_size = 0x108, .init_base = 0x110, .init_size = 0x118,
};
static const struct hm_offsets MO2 = {
        HM_COMMON, .mem = 0x140, .mem_bytes = 7 * 0x18, .mem_elem = 0x18, .mem_base = 0, .mem_size = 8,
        .core_base = HP_ABSENT, .core_size = HP_ABSENT, .init_base = HP_ABSENT, .init_size = HP_ABSENT,
};
static const struct hm_known_offsets KO = {
        .ksym_start = 0, .ksym_end = 8, .ksym_lnode = 0x10, .pack_list = 0, .pack_ptr = 0x10, .kic_pages = 0x20,
        .kip_list = 0, .kip_insns = 0x10, .ops_list = 0x40, .ops_tramp = 0x50, .ops_tramp_size = 0x58,
};

/* Physical addresses of the objects. */
#define PA_INIT 0x100000ull
#define PA_TASK(i) (0x101000ull + 0x1000ull * (i))  /* tasks 0..7 */
#define PA_PID(i) (0x200000ull + 0x100ull * (i))
#define PA_NS 0x210000ull
#define PA_XNODE 0x211000ull
#define PA_CRED 0x212000ull
#define PA_RQ 0x213000ull
#define PA_CFS2 0x214000ull
#define PA_GSE 0x215000ull
#define VA(pa) (POB + (pa))

struct world {
        struct fake_guest *g;
        hvs_vas *kv;
        uint64_t cpu_off[1];
        struct hp_ctx hc;
        struct hm_ctx mc;
        uint64_t tasks[8];
        size_t ntasks;
};

static void wr64(struct world *w, uint64_t pa, uint64_t v) { fake_write_u64(w->g, HVS_GPA(pa), v); }
static void wr32(struct world *w, uint64_t pa, uint32_t v) { fake_write_u32(w->g, HVS_GPA(pa), v); }

static uint64_t add_task(struct world *w, size_t i, int pid, const char *comm) {
        uint64_t pa = i == (size_t)-1 ? PA_INIT : PA_TASK(i), va = VA(pa);
        wr32(w, pa + HO.pid, (uint32_t)pid);
        wr32(w, pa + HO.tgid, (uint32_t)pid);
        fake_write(w->g, HVS_GPA(pa + HO.comm), comm, strlen(comm));
        wr64(w, pa + HO.cred, VA(PA_CRED));
        wr64(w, pa + HO.real_cred, VA(PA_CRED));
        wr64(w, pa + HO.group_leader, va);
        wr64(w, pa + HO.tasks, va + HO.tasks);  /* self-linked until linked */
        wr64(w, pa + HO.tasks + 8, va + HO.tasks);
        return va;
}

/* Link @va at the tail of init_task's list. */
static void link_task(struct world *w, uint64_t va) {
        uint64_t head = VA(PA_INIT) + HO.tasks, node = va + HO.tasks;
        uint64_t last = fake_read_u64(w->g, HVS_GPA(head + 8 - POB));
        wr64(w, node - POB, head);
        wr64(w, node + 8 - POB, last);
        wr64(w, last - POB, node);
        wr64(w, head + 8 - POB, node);
}

static void unlink_task(struct world *w, uint64_t va) {
        uint64_t node = va + HO.tasks;
        uint64_t next = fake_read_u64(w->g, HVS_GPA(node - POB)), prev = fake_read_u64(w->g, HVS_GPA(node + 8 - POB));
        wr64(w, next + 8 - POB, prev);
        wr64(w, prev - POB, next);
        wr64(w, node - POB, node);      /* list_del_init */
        wr64(w, node + 8 - POB, node);
}

/* struct pid for @task at PID-table index @pid (< 64: one xa_node). */
static void hash_pid(struct world *w, int pid, uint64_t task) {
        uint64_t ppa = PA_PID(pid);
        wr64(w, ppa + HO.pid_tasks, task + HO.pid_links);
        wr64(w, PA_XNODE + HO.xn_slots + 8ull * pid, VA(ppa));
}

static void unhash_pid(struct world *w, int pid) { wr64(w, PA_XNODE + HO.xn_slots + 8ull * pid, 0); }

static struct world *world_new(void) {
        struct world *w = calloc(1, sizeof *w);
        assert_non_null(w);
        assert_int_equal(fake_guest_new(RAM, HVS_PAGING_4LEVEL, &w->g), 0);
        fake_map_direct(w->g, HVS_GVA(POB));
        assert_int_equal(hvs_vas_new(w->g->mem, w->g->root, HVS_PAGING_4LEVEL, &w->kv), 0);
        struct kbounds kb = { .pob = POB, .pob_end = POB + RAM, .img = 0xffffffff81000000ull,
                              .img_end = 0xffffffff82000000ull, .mod = MODVA, .mod_end = 0xffffffffff000000ull };
        uint64_t init = add_task(w, (size_t)-1, 0, "swapper/0");
        const char *names[] = { "init", "sh", "evil" };
        int pids[] = { 1, 5, 42 };
        for (size_t i = 0; i < 3; i++) {
                w->tasks[i] = add_task(w, i, pids[i], names[i]);
                link_task(w, w->tasks[i]);
                hash_pid(w, pids[i], w->tasks[i]);
        }
        w->ntasks = 3;
        /* The PID table: init_pid_ns.idr.xa_head -> one leaf node (shift 0). */
        wr64(w, PA_NS + HO.idr_xa_head, VA(PA_XNODE) | 2);
        /* One CPU; rq->curr = init; the CFS tree holds a group entity whose queue holds "evil". */
        wr64(w, PA_RQ + HO.rq_curr, w->tasks[0]);
        wr64(w, PA_RQ + HO.rq_cfs + HO.cfs_timeline, VA(PA_GSE) + HO.se_run_node);
        wr64(w, PA_GSE + HO.se_my_q, VA(PA_CFS2));
        wr64(w, PA_CFS2 + HO.cfs_timeline, w->tasks[2] + HO.task_se + HO.se_run_node);
        w->cpu_off[0] = 0;
        w->hc = (struct hp_ctx){ .kv = w->kv, .mem = w->g->mem, .o = &HO, .kb = kb, .init_task = init,
                                 .idr = VA(PA_NS), .runqueues = VA(PA_RQ), .cpu_off = w->cpu_off, .ncpus = 1,
                                 .max_tasks = 1024 };
        w->mc = (struct hm_ctx){ .kv = w->kv, .mem = w->g->mem, .o = &MO, .kb = kb, .max_modules = 64, .ko = &KO };
        return w;
}

static void world_free(struct world *w) {
        hvs_vas_free(w->kv);
        fake_guest_free(w->g);
        free(w);
}

static hvs_findings *run_hp(struct world *w) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(hp_compare(&w->hc, NULL, f), 0);
        return f;
}

static size_t count_above_info(const hvs_findings *f) {
        size_t n = 0;
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                n += hvs_findings_get(f, i)->severity > HVS_SEV_INFO;
        return n;
}

static const hvs_finding *first_above_info(const hvs_findings *f) {
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                if (hvs_findings_get(f, i)->severity > HVS_SEV_INFO)
                        return hvs_findings_get(f, i);
        return NULL;
}

static void test_views_clean(void **state) {
        struct world *w = world_new();
        struct addrset l = { 0 }, idr = { 0 }, rq = { 0 }, scan = { 0 };
        assert_int_equal(hp_view_tasklist(&w->hc, &l), 0);
        assert_int_equal(hp_view_idr(&w->hc, &idr), 0);
        assert_int_equal(hp_view_runqueues(&w->hc, &rq), 0);
        struct triage_budget b;
        triage_budget_init(&b, NULL);
        assert_int_equal(hp_view_scan(&w->hc, &b, &scan), 0);
        addrset_sort(&l), addrset_sort(&idr), addrset_sort(&rq), addrset_sort(&scan);
        assert_int_equal(l.n, 4);               /* init_task + 3 */
        assert_int_equal(idr.n, 3);
        assert_int_equal(rq.n, 2);              /* curr (init) + evil under the group entity */
        assert_true(addrset_has(&rq, w->tasks[0]) && addrset_has(&rq, w->tasks[2]));
        assert_int_equal(scan.n, 3);            /* pid 0 is not a scan candidate */
        for (size_t i = 0; i < 3; i++)
                assert_true(addrset_has(&l, w->tasks[i]) && addrset_has(&idr, w->tasks[i]) &&
                            addrset_has(&scan, w->tasks[i]));
        addrset_free(&l), addrset_free(&idr), addrset_free(&rq), addrset_free(&scan);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 0);
        hvs_findings_free(f);
        world_free(w);
}

static void test_idr_two_levels(void **state) {
        /* 64 children under a root of shift 6: pids 1 and 5 in child 0, 42 in child 63
         * (index 63 * 64 + 42); children 1..62 are empty leaves. Every child is visited. */
        struct world *w = world_new();
        const uint64_t root = 0x230000, empty = 0x231000, last = 0x232000;
        uint8_t shift = 6;
        fake_write(w->g, HVS_GPA(root + HO.xn_shift), &shift, 1);
        wr64(w, root + HO.xn_slots, VA(PA_XNODE) | 2);
        for (int i = 1; i < 63; i++)
                wr64(w, root + HO.xn_slots + 8ull * i, VA(empty) | 2);
        wr64(w, root + HO.xn_slots + 8ull * 63, VA(last) | 2);
        wr64(w, last + HO.xn_slots + 8ull * 42, fake_read_u64(w->g, HVS_GPA(PA_XNODE + HO.xn_slots + 8ull * 42)));
        unhash_pid(w, 42);
        wr64(w, PA_NS + HO.idr_xa_head, VA(root) | 2);
        struct addrset s = { 0 };
        assert_int_equal(hp_view_idr(&w->hc, &s), 0);
        addrset_sort(&s);
        assert_int_equal(s.n, 3);
        assert_true(addrset_has(&s, w->tasks[0]) && addrset_has(&s, w->tasks[2]));
        addrset_free(&s);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 0);
        hvs_findings_free(f);
        world_free(w);
}

static void test_hidden_from_list(void **state) {
        struct world *w = world_new();
        unlink_task(w, w->tasks[2]);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 1);
        const hvs_finding *h = first_above_info(f);
        assert_int_equal(h->severity, HVS_SEV_HIGH);
        assert_int_equal(h->pid, 42);
        assert_int_equal(h->addr, w->tasks[2]);
        assert_string_equal(h->technique, "T1014");
        assert_non_null(strstr(h->title, "42 (evil)"));
        json_object *ev = json_tokener_parse(h->evidence_json);
        const char *seen = json_object_to_json_string(json_object_object_get(ev, "seen_by"));
        assert_string_equal(seen, "[ \"pid-table\", \"runqueues\", \"memory-scan\" ]");
        json_object_put(ev);
        hvs_findings_free(f);
        world_free(w);
}

/* Put @task on the real-time list of priority @prio (alone). */
static void rt_enqueue(struct world *w, int prio, uint64_t task) {
        uint64_t head = VA(PA_RQ) + HO.rq_rt + HO.rt_queue + 16ull * (uint64_t)prio, node = task + HO.task_rt + HO.rt_run_list;
        wr64(w, head - POB, node);
        wr64(w, head + 8 - POB, node);
        wr64(w, node - POB, head);
        wr64(w, node + 8 - POB, head);
}

static void test_rt_dl_queues(void **state) {
        /* A real-time task at priority 10 and a deadline task whose tree also
         * holds the fair server (a deadline entity in the rq, not a task). */
        struct world *w = world_new();
        uint64_t rt = add_task(w, 3, 7, "rtjob"), dl = add_task(w, 4, 8, "dljob");
        link_task(w, rt), hash_pid(w, 7, rt);
        link_task(w, dl), hash_pid(w, 8, dl);
        for (int prio = 0; prio < 100; prio++) {      /* empty lists point at themselves */
                uint64_t head = VA(PA_RQ) + HO.rq_rt + HO.rt_queue + 16ull * (uint64_t)prio;
                wr64(w, head - POB, head);
                wr64(w, head + 8 - POB, head);
        }
        rt_enqueue(w, 10, rt);
        uint64_t dl_node = dl + HO.task_dl + HO.dl_rb_node, fs_node = VA(PA_RQ) + HO.rq_fair_server + HO.dl_rb_node;
        wr64(w, PA_RQ + HO.rq_dl + HO.dl_root, dl_node);
        wr64(w, dl_node - POB + HO.rb_left, fs_node);
        struct addrset rq = { 0 };
        assert_int_equal(hp_view_runqueues(&w->hc, &rq), 0);
        assert_true(addrset_has(&rq, rt) && addrset_has(&rq, dl));
        assert_false(addrset_has(&rq, VA(PA_RQ) + HO.rq_fair_server - HO.task_dl));
        assert_int_equal(rq.n, 4);              /* init (curr), evil (CFS), rtjob, dljob */
        addrset_free(&rq);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 0);
        hvs_findings_free(f);
        /* Hidden from the list and /proc, runnable as a real-time task: the run queues tell. */
        unlink_task(w, rt);
        unhash_pid(w, 7);
        f = run_hp(w);
        assert_int_equal(count_above_info(f), 1);
        const hvs_finding *h = first_above_info(f);
        assert_int_equal(h->pid, 7);
        assert_int_equal(h->severity, HVS_SEV_HIGH);
        json_object *ev = json_tokener_parse(h->evidence_json);
        assert_string_equal(json_object_to_json_string(json_object_object_get(ev, "seen_by")),
                            "[ \"runqueues\", \"memory-scan\" ]");
        json_object_put(ev);
        hvs_findings_free(f);
        /* A real-time list that loops without its head, and an absurd array size: bounded, no crash. */
        uint64_t node = rt + HO.task_rt + HO.rt_run_list;
        wr64(w, node - POB, node);
        struct addrset s = { 0 };
        (void)hp_view_runqueues(&w->hc, &s);
        assert_true(s.n <= 1024);
        addrset_free(&s);
        struct hp_offsets bad = HO;
        bad.rt_queue_size = 4096 * 16;
        w->hc.o = &bad;
        assert_int_equal(hp_view_runqueues(&w->hc, &s), -EBADMSG);
        addrset_free(&s);
        world_free(w);
}

static void test_hidden_scan_only(void **state) {
        /* Unlinked and unhashed, not runnable: only the memory scan still sees it (medium). */
        struct world *w = world_new();
        unlink_task(w, w->tasks[2]);
        unhash_pid(w, 42);
        wr64(w, PA_CFS2 + HO.cfs_timeline, 0);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 1);
        assert_int_equal(first_above_info(f)->severity, HVS_SEV_MEDIUM);
        assert_int_equal(first_above_info(f)->pid, 42);
        hvs_findings_free(f);
        world_free(w);
}

static void test_unhashed(void **state) {
        struct world *w = world_new();
        unhash_pid(w, 5);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 1);
        const hvs_finding *h = first_above_info(f);
        assert_int_equal(h->pid, 5);
        assert_non_null(strstr(h->title, "missing from the PID table"));
        hvs_findings_free(f);
        world_free(w);
}

static void test_exiting_not_hidden(void **state) {
        struct world *w = world_new();
        unlink_task(w, w->tasks[2]);
        wr32(w, w->tasks[2] - POB + HO.flags, 0x4);     /* PF_EXITING: a race, not a rootkit */
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 0);
        hvs_findings_free(f);
        world_free(w);
}

static void test_thread_not_hidden(void **state) {
        /* A thread (not on the task list, in the PID table) whose leader is listed. */
        struct world *w = world_new();
        uint64_t t = add_task(w, 3, 43, "evil");
        wr64(w, t - POB + HO.group_leader, w->tasks[2]);
        wr32(w, t - POB + HO.tgid, 42);
        hash_pid(w, 43, t);
        hvs_findings *f = run_hp(w);
        assert_int_equal(count_above_info(f), 0);
        hvs_findings_free(f);
        world_free(w);
}

static void test_hostile_tables(void **state) {
        struct world *w = world_new();
        /* A node whose slot points back at itself, a leaf that is not a struct pid,
         * an rb tree that is a cycle: every walk ends, with what it could read. */
        wr64(w, PA_NS + HO.idr_xa_head, VA(PA_XNODE) | 2);
        uint8_t shift = 6;
        fake_write(w->g, HVS_GPA(PA_XNODE + HO.xn_shift), &shift, 1);
        wr64(w, PA_XNODE + HO.xn_slots, VA(PA_XNODE) | 2);
        wr64(w, PA_XNODE + HO.xn_slots + 8, 0x1234);
        struct addrset s = { 0 };
        int e = hp_view_idr(&w->hc, &s);
        assert_true(e == 0 || e == -EBADMSG || e == -E2BIG);
        addrset_free(&s);
        uint64_t n = w->tasks[2] + HO.task_se + HO.se_run_node;
        wr64(w, n - POB + HO.rb_left, n);
        wr64(w, n - POB + HO.rb_right, n);
        e = hp_view_runqueues(&w->hc, &s);
        assert_true(s.n <= 1024);
        addrset_free(&s);
        world_free(w);
}

static void test_task_validator(void **state) {
        struct world *w = world_new();
        struct kbounds kb = w->hc.kb;
        uint8_t buf[0x400];
        fake_read(w->g, HVS_GPA(w->tasks[1] - POB), buf, sizeof buf);
        assert_true(hp_task_plausible(&HO, &kb, buf, sizeof buf));
        assert_false(hp_task_plausible(&HO, &kb, buf, 0x200));          /* too short to hold the fields */
        uint8_t bad[0x400];
        memcpy(bad, buf, sizeof bad);
        bad[HO.comm + 15] = 'x';                                        /* not NUL-terminated */
        assert_false(hp_task_plausible(&HO, &kb, bad, sizeof bad));
        memcpy(bad, buf, sizeof bad);
        memset(bad + HO.cred, 0x41, 8);                                 /* cred outside the kernel */
        assert_false(hp_task_plausible(&HO, &kb, bad, sizeof bad));
        memcpy(bad, buf, sizeof bad);
        memset(bad + HO.pid, 0xff, 4);                                  /* pid -1 */
        assert_false(hp_task_plausible(&HO, &kb, bad, sizeof bad));
        memset(bad, 0, sizeof bad);
        assert_false(hp_task_plausible(&HO, &kb, bad, sizeof bad));
        world_free(w);
}

/* ---- modules ---- */

/* Module i owns [MBASE(i), MBASE(i) + 0x3000): text page, then the data page that holds its struct module
 * (+0x40) and its mod_tree_node (+0x800), then a page with its mod_kallsyms and tables; a guard page follows. */
#define MBASE(i) (MODVA + 0x10000ull * (i))
#define MSTRUCT(i) (MBASE(i) + 0x1040)
#define MNODE(i) (MBASE(i) + 0x1800)
#define MKS(i) (MBASE(i) + 0x2000)
#define MPA_HEAD 0x220000ull                    /* `modules` list head (direct map here) */
#define MPA_TREE 0x221000ull                    /* mod_tree */
#define MPA_KSET 0x222000ull                    /* the kset; module_kset (the pointer) at +0x800 */
#define MPA_BUILTIN 0x223000ull                 /* a built-in's module_kobject (mod NULL) */
#define MPA_USERS 0x224000ull                   /* registries: list heads at +0x0..+0x40, objects from +0x100 */
#define PERCPU (POB + 0x300000ull)
/* The other users' areas in module space. */
#define A_PACK (MODVA + 0x100000ull)            /* bpf_prog_pack, 4 pages */
#define A_JIT (MODVA + 0x110000ull)             /* a JIT image of its own (bpf_kallsyms) */
#define A_TRAMP (MODVA + 0x120000ull)           /* ftrace trampoline */
#define A_KPROBE (MODVA + 0x130000ull)          /* kprobe instruction page */
#define A_EVIL (MODVA + 0x140000ull)            /* code nobody owns */

static const char *const MNAMES[] = { "ext4", "hide_self", "jbd2" };
static const char *const MFUNCS[] = { "ext4_fill_super", "unhide_set", "jbd2_journal_start" };

static uint64_t vpa(struct world *w, uint64_t va) {
        hvs_gpa pa;
        assert_int_equal(fake_virt_to_phys(w->g, w->g->root, HVS_GVA(va), &pa), 0);
        return pa.v;
}
static uint64_t rdv(struct world *w, uint64_t va) { return fake_read_u64(w->g, HVS_GPA(vpa(w, va))); }
static void wrv(struct world *w, uint64_t va, uint64_t v) { fake_write_virt_u64(w->g, w->g->root, HVS_GVA(va), v); }
static void wrv32(struct world *w, uint64_t va, uint32_t v) { fake_write_u32(w->g, HVS_GPA(vpa(w, va)), v); }
static void wrvs(struct world *w, uint64_t va, const char *str) {
        fake_write_virt(w->g, w->g->root, HVS_GVA(va), str, strlen(str) + 1);
}

static void list_init(struct world *w, uint64_t head) {
        wrv(w, head, head);
        wrv(w, head + 8, head);
}
static void list_add_tail(struct world *w, uint64_t head, uint64_t node) {
        uint64_t last = rdv(w, head + 8);
        wrv(w, node, head);
        wrv(w, node + 8, last);
        wrv(w, last, node);
        wrv(w, head + 8, node);
}
static void list_del_init(struct world *w, uint64_t node) {
        uint64_t next = rdv(w, node), prev = rdv(w, node + 8);
        wrv(w, next + 8, prev);
        wrv(w, prev, next);
        list_init(w, node);
}

/* Map @pages pages at @va (backed at the same offset of MODPA), executable or not. */
static void map_area(struct world *w, uint64_t va, unsigned pages, bool exec) {
        fake_map_range(w->g, HVS_GVA(va), HVS_GPA(MODPA + (va - MODVA)), 0x1000ull * pages,
                       X86_PTE_P | (exec ? 0 : X86_PTE_RW | X86_PTE_NX));
}

/* One symbol: Elf64_Sym { st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64 }. */
static void put_sym(struct world *w, uint64_t ks, int i, uint32_t name, char type, uint64_t value) {
        uint64_t sym = ks + 0x100 + 24ull * i;
        wrv32(w, sym, name);
        wrv32(w, sym + 4, value ? 1u << 16 : 0);        /* st_shndx 1 */
        wrv(w, sym + 8, value);
        fake_write(w->g, HVS_GPA(vpa(w, ks + 0xc00 + i)), &type, 1);
}

/* Module @i, its memory mapped; on the list unless @hidden. Its table holds a function, a data object and a
 * per-cpu variable (outside its memory, inside its per-cpu area). */
static void add_mod(struct world *w, int i, bool hidden) {
        const struct hm_offsets *o = w->mc.o;
        uint64_t m = MSTRUCT(i), b = MBASE(i), ks = MKS(i);
        map_area(w, b, 1, true);
        map_area(w, b + 0x1000, 2, false);
        wrv32(w, m + o->state, 0);
        wrvs(w, m + o->name, MNAMES[i]);
        wrv(w, m + o->mkobj_mod, m);
        if (o->mem != HP_ABSENT) {
                wrv(w, m + o->mem + o->mem_base, b);                            /* MOD_TEXT */
                wrv32(w, m + o->mem + o->mem_size, 0x800);
                wrv(w, m + o->mem + o->mem_elem + o->mem_base, b + 0x1000);     /* MOD_DATA */
                wrv32(w, m + o->mem + o->mem_elem + o->mem_size, 0x1f00);
        } else {
                wrv(w, m + o->core_base, b);
                wrv32(w, m + o->core_size, 0x2f00);
        }
        wrv(w, m + o->percpu, PERCPU + 0x100 * (uint64_t)i);
        wrv32(w, m + o->percpu_size, 0x40);
        /* Symbols: 0 is the null symbol. */
        wrv(w, m + o->kallsyms, ks);
        wrv(w, ks + o->ks_symtab, ks + 0x100);
        wrv32(w, ks + o->ks_num, 4);
        wrv(w, ks + o->ks_strtab, ks + 0x800);
        wrv(w, ks + o->ks_typetab, ks + 0xc00);
        wrvs(w, ks + 0x801, MFUNCS[i]);
        wrvs(w, ks + 0x840, "state");
        wrvs(w, ks + 0x850, "pcpu_counter");
        put_sym(w, ks, 0, 0, 'U', 0);
        put_sym(w, ks, 1, 1, 't', b + 0x10);
        put_sym(w, ks, 2, 0x40, 'd', m + 0x300);
        put_sym(w, ks, 3, 0x50, 'd', PERCPU + 0x100 * (uint64_t)i + 8);
        /* Lists: modules, /sys/module. */
        list_init(w, m + o->list);
        if (!hidden)
                list_add_tail(w, VA(MPA_HEAD), m + o->list);
        list_add_tail(w, VA(MPA_KSET) + o->kset_list, m + o->mkobj + o->kobj_entry);
        wrv(w, MNODE(i) + o->mtn_mod, m);
}

static void module_world(struct world *w, const struct hm_offsets *o, bool hide_second) {
        w->mc.o = o;
        list_init(w, VA(MPA_HEAD));
        list_init(w, VA(MPA_KSET) + o->kset_list);
        wrv(w, VA(MPA_KSET) + 0x800, VA(MPA_KSET));
        /* A built-in's kobject on the kset (module_kobject.mod NULL): not a module. */
        list_add_tail(w, VA(MPA_KSET) + o->kset_list, VA(MPA_BUILTIN) + o->kobj_entry);
        for (int i = 0; i < 3; i++)
                add_mod(w, i, hide_second && i == 1);
        /* The tree: root = module 1's node, children 0 and 2. */
        wrv(w, VA(MPA_TREE) + o->tree_root, MNODE(1) + o->mtn_node);
        wrv(w, MNODE(1) + o->mtn_node + o->rb_left, MNODE(0) + o->mtn_node);
        wrv(w, MNODE(1) + o->mtn_node + o->rb_right, MNODE(2) + o->mtn_node);
        w->mc.modules = VA(MPA_HEAD);
        w->mc.mod_tree = VA(MPA_TREE);
        w->mc.module_kset = VA(MPA_KSET) + 0x800;
}

/* The kernel's other users of module space, each with its area and its registry entry. */
static void known_users(struct world *w) {
        uint64_t u = VA(MPA_USERS);
        w->mc.bpf_packs = u;
        w->mc.bpf_kallsyms = u + 0x10;
        w->mc.ftrace_tramps = u + 0x20;
        w->mc.kprobe_caches[0] = u + 0x30 - KO.kic_pages;
        for (int h = 0; h < 4; h++)
                list_init(w, u + 0x10 * (uint64_t)h);
        map_area(w, A_PACK, 4, true);
        wrv(w, u + 0x100 + KO.pack_ptr, A_PACK);
        list_add_tail(w, w->mc.bpf_packs, u + 0x100 + KO.pack_list);
        map_area(w, A_JIT, 1, true);
        wrv(w, u + 0x200 + KO.ksym_start, A_JIT + 0x80);
        wrv(w, u + 0x200 + KO.ksym_end, A_JIT + 0x400);
        list_add_tail(w, w->mc.bpf_kallsyms, u + 0x200 + KO.ksym_lnode);
        map_area(w, A_TRAMP, 1, true);
        wrv(w, u + 0x300 + KO.ops_tramp, A_TRAMP);
        wrv32(w, u + 0x300 + KO.ops_tramp_size, 0x100);
        list_add_tail(w, w->mc.ftrace_tramps, u + 0x300 + KO.ops_list);
        map_area(w, A_KPROBE, 1, true);
        wrv(w, u + 0x400 + KO.kip_insns, A_KPROBE);
        list_add_tail(w, u + 0x30, u + 0x400 + KO.kip_list);
}

static hvs_findings *run_hm(struct world *w) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(hm_compare(&w->mc, NULL, f), 0);
        return f;
}

static json_object *evidence(const hvs_finding *h) {
        json_object *ev = json_tokener_parse(h->evidence_json);
        assert_non_null(ev);
        return ev;
}

static const char *jstr(json_object *o, const char *key) {
        return json_object_to_json_string_ext(json_object_object_get(o, key), JSON_C_TO_STRING_PLAIN);
}

/* The summary (the info finding that compares the views). */
static json_object *summary(const hvs_findings *f) {
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                if (strstr(hvs_findings_get(f, i)->title, "module views compared"))
                        return evidence(hvs_findings_get(f, i));
        fail_msg("no summary");
        return NULL;
}

static void test_modules(void **state) {
        const struct hm_offsets *layouts[] = { &MO, &MO2 };
        for (int l = 0; l < 2; l++)
                for (int hide = 0; hide < 2; hide++) {
                        struct world *w = world_new();
                        module_world(w, layouts[l], hide);
                        known_users(w);
                        struct addrset li = { 0 }, t = { 0 }, s = { 0 }, y = { 0 };
                        struct triage_budget b;
                        triage_budget_init(&b, NULL);
                        assert_int_equal(hm_view_list(&w->mc, &li), 0);
                        assert_int_equal(hm_view_tree(&w->mc, &t), 0);
                        assert_int_equal(hm_view_scan(&w->mc, &b, &s), 0);
                        assert_int_equal(hm_view_sysfs(&w->mc, &y), 0);
                        assert_int_equal(li.n, hide ? 2 : 3);
                        assert_int_equal(t.n, 3);
                        assert_int_equal(s.n, 3);
                        assert_int_equal(y.n, 3);       /* the built-in kobject is not a module */
                        addrset_free(&li), addrset_free(&t), addrset_free(&s), addrset_free(&y);
                        hvs_findings *f = run_hm(w);
                        assert_int_equal(count_above_info(f), hide ? 1 : 0);
                        json_object *sum = summary(f);
                        json_object *areas = json_object_object_get(sum, "module-areas");
                        /* With mem[], text and data are two claims over one area here: their union covers it. */
                        assert_string_equal(jstr(areas, "areas_by_owner"),
                                            "{\"none\":0,\"module\":3,\"bpf\":2,\"ftrace\":1,\"kprobes\":1}");
                        json_object_put(sum);
                        if (hide) {
                                const hvs_finding *h = first_above_info(f);
                                assert_int_equal(h->severity, HVS_SEV_HIGH);
                                assert_int_equal(h->addr, MSTRUCT(1));
                                assert_non_null(strstr(h->title, "hide_self hidden from the module list (functions unhide_set)"));
                                json_object *ev = evidence(h);
                                assert_string_equal(jstr(ev, "seen_by"), "[\"module-tree\",\"memory-scan\",\"sysfs\","
                                                                         "\"module-areas\",\"module-symbols\"]");
                                assert_string_equal(jstr(ev, "missing_from"), "[\"module-list\"]");
                                json_object *sy = json_object_object_get(ev, "symbols");
                                assert_string_equal(jstr(sy, "names"), "[\"t unhide_set\",\"d state\",\"d pcpu_counter\"]");
                                assert_int_equal(json_object_get_int(json_object_object_get(sy, "outside_memory")), 0);
                                json_object_put(ev);
                        }
                        hvs_findings_free(f);
                        world_free(w);
                }
}

static void test_module_mem(void **state) {
        /* 6.1: core + init layouts (init freed: base 0); 6.4+: mem[]; ITS thunk pages on both. */
        struct world *w = world_new();
        module_world(w, &MO2, false);
        uint64_t m = MSTRUCT(0);
        map_area(w, MODVA + 0x150000, 1, true);
        map_area(w, MODVA + 0x152000, 1, true);
        wrv(w, MKS(0) + 0xe00, MODVA + 0x150000);
        wrv(w, MKS(0) + 0xe08, MODVA + 0x152000);
        wrv32(w, m + MO2.its_num, 2);
        wrv(w, m + MO2.its_array, MKS(0) + 0xe00);
        struct hm_modmem mm;
        assert_int_equal(hm_module_mem(&w->mc, m, &mm), 0);
        assert_int_equal(mm.n, 2);
        assert_true(mm.r[0].lo == MBASE(0) && mm.r[0].hi == MBASE(0) + 0x1000);
        assert_true(mm.r[1].lo == MBASE(0) + 0x1000 && mm.r[1].hi == MBASE(0) + 0x3000);
        assert_true(mm.its_array == MKS(0) + 0xe00 && mm.its_num == 2);
        assert_true(mm.percpu == PERCPU && mm.percpu_hi == PERCPU + 0x40);
        struct hm_claims cl = { 0 };
        assert_int_equal(hm_module_its(&w->mc, &mm, m, &cl), 0);
        assert_int_equal(cl.n, 2);
        assert_true(cl.v[0].lo == MODVA + 0x150000 && cl.v[0].exact && cl.v[1].hi == MODVA + 0x153000);
        hm_claims_free(&cl);
        hvs_findings *f = run_hm(w);
        assert_int_equal(count_above_info(f), 0);       /* the ITS pages are the module's */
        hvs_findings_free(f);
        /* Without them its ITS pages are code nobody owns. */
        wrv32(w, m + MO2.its_num, 0);
        f = run_hm(w);
        assert_int_equal(count_above_info(f), 2);
        hvs_findings_free(f);
        /* An ITS count past the limit, pages unreadable beyond the two: no crash, the two owned. */
        wrv32(w, m + MO2.its_num, 100000);
        f = run_hm(w);
        assert_int_equal(count_above_info(f), 2);       /* the array read fails whole: unowned, as stated */
        hvs_findings_free(f);
        world_free(w);

        w = world_new();
        module_world(w, &MO, false);
        m = MSTRUCT(2);
        wrv(w, m + MO.init_base, 0);                    /* freed init memory */
        wrv32(w, m + MO.init_size, 0);
        assert_int_equal(hm_module_mem(&w->mc, m, &mm), 0);
        assert_int_equal(mm.n, 1);
        assert_true(mm.r[0].lo == MBASE(2) && mm.r[0].hi == MBASE(2) + 0x3000);
        wrv(w, m + MO.init_base, 0xffff888000001000ull);        /* outside module space: dropped */
        wrv32(w, m + MO.init_size, 0x1000);
        wrv(w, m + MO.core_base, 0xfffffffffffff000ull);        /* wraps: dropped */
        assert_int_equal(hm_module_mem(&w->mc, m, &mm), 0);
        assert_int_equal(mm.n, 0);
        world_free(w);
}

static void test_unowned_code(void **state) {
        struct world *w = world_new();
        module_world(w, &MO, false);
        known_users(w);
        map_area(w, A_EVIL, 2, true);
        hvs_findings *f = run_hm(w);
        assert_int_equal(count_above_info(f), 1);
        const hvs_finding *h = first_above_info(f);
        assert_int_equal(h->severity, HVS_SEV_HIGH);
        assert_int_equal(h->addr, A_EVIL);
        assert_string_equal(h->technique, "T1014");
        assert_non_null(strstr(h->title, "code in the module area that belongs to no listed module"));
        json_object *ev = evidence(h);
        assert_int_equal(json_object_get_int(json_object_object_get(ev, "exec_pages")), 2);
        assert_null(json_object_object_get(ev, "nearest_module"));
        json_object_put(ev);
        hvs_findings_free(f);

        /* Its struct module lies next to it, unlisted, its memory areas erased: the scan finds it
         * (hidden module) and the area names it. */
        uint64_t m = A_EVIL + 0x2040;
        map_area(w, A_EVIL + 0x2000, 1, false);
        wrv32(w, m + MO.state, 0);
        wrvs(w, m + MO.name, "evil");
        wrv(w, m + MO.mkobj_mod, m);
        list_init(w, m + MO.list);
        f = run_hm(w);
        assert_int_equal(count_above_info(f), 2);
        bool area = false, mod = false;
        for (size_t i = 0; i < hvs_findings_count(f); i++) {
                h = hvs_findings_get(f, i);
                if (strstr(h->title, "belongs to no listed module")) {
                        ev = evidence(h);
                        json_object *n = json_object_object_get(ev, "nearest_module");
                        assert_string_equal(json_object_get_string(json_object_object_get(n, "name")), "evil");
                        assert_string_equal(jstr(n, "seen_by"), "[\"memory-scan\"]");
                        assert_non_null(strstr(h->title, "struct module nearby: evil"));
                        json_object_put(ev);
                        area = true;
                }
                mod |= strstr(h->title, "evil hidden from the module list") != NULL;
        }
        assert_true(area && mod);
        hvs_findings_free(f);

        /* Its memory areas restored: the area is the (hidden) module's, no longer unowned. */
        wrv(w, m + MO.core_base, A_EVIL);
        wrv32(w, m + MO.core_size, 0x3000);
        f = run_hm(w);
        assert_int_equal(count_above_info(f), 1);
        assert_non_null(strstr(first_above_info(f)->title, "evil hidden from the module list"));
        ev = evidence(first_above_info(f));
        assert_non_null(strstr(jstr(ev, "seen_by"), "module-areas"));
        json_object_put(ev);
        hvs_findings_free(f);
        world_free(w);
}

static void test_known_users_exact(void **state) {
        /* Without the registries, the kernel's own code there is unowned: 4 areas. */
        struct world *w = world_new();
        module_world(w, &MO, false);
        known_users(w);
        w->mc.ko = NULL;
        hvs_findings *f = run_hm(w);
        assert_int_equal(count_above_info(f), 4);
        hvs_findings_free(f);
        w->mc.ko = &KO;
        /* A registry entry vouches for its allocation only: a kprobe page followed by more code, and a
         * JIT image whose area is larger than its symbol, are not covered. */
        map_area(w, A_KPROBE + 0x1000, 1, true);
        map_area(w, A_JIT + 0x1000, 2, true);
        f = run_hm(w);
        assert_int_equal(count_above_info(f), 2);
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                if (hvs_findings_get(f, i)->severity > HVS_SEV_INFO)
                        assert_true(hvs_findings_get(f, i)->addr == A_KPROBE || hvs_findings_get(f, i)->addr == A_JIT);
        hvs_findings_free(f);
        world_free(w);
}

static void test_symbols_outside(void **state) {
        struct world *w = world_new();
        module_world(w, &MO, false);
        put_sym(w, MKS(2), 1, 1, 't', MODVA + 0x900000);        /* jbd2's function now points nowhere it owns */
        hvs_findings *f = run_hm(w);
        assert_int_equal(count_above_info(f), 1);
        const hvs_finding *h = first_above_info(f);
        assert_int_equal(h->severity, HVS_SEV_MEDIUM);
        assert_non_null(strstr(h->title, "symbols of kernel module jbd2 point outside its memory (1 of 3"));
        json_object *ev = evidence(h);
        assert_string_equal(jstr(ev, "missing_from"), "[\"module-symbols\"]");
        json_object_put(ev);
        hvs_findings_free(f);
        world_free(w);
}

static void test_sysfs_removed(void **state) {
        struct world *w = world_new();
        module_world(w, &MO, false);
        list_del_init(w, MSTRUCT(0) + MO.mkobj + MO.kobj_entry);        /* kobject_del() */
        hvs_findings *f = run_hm(w);
        assert_int_equal(count_above_info(f), 1);
        const hvs_finding *h = first_above_info(f);
        assert_int_equal(h->severity, HVS_SEV_MEDIUM);
        assert_non_null(strstr(h->title, "ext4 hidden from /sys/module"));
        hvs_findings_free(f);
        world_free(w);
}

static void test_symbols_hostile(void **state) {
        struct world *w = world_new();
        module_world(w, &MO, false);
        uint64_t m = MSTRUCT(0), ks = MKS(0);
        struct hm_modmem mm;
        struct hm_syms sy;
        assert_int_equal(hm_module_mem(&w->mc, m, &mm), 0);
        assert_int_equal(hm_module_syms(&w->mc, m, &mm, true, &sy), 0);
        assert_int_equal(sy.defined, 3);
        assert_int_equal(sy.nnames, 3);
        /* A huge count: clamped, read until the table is unmapped; never past the limit. */
        wrv32(w, ks + MO.ks_num, 0xffffffffu);
        assert_int_equal(hm_module_syms(&w->mc, m, &mm, true, &sy), 0);
        assert_int_equal(sy.num, 0xffffffffu);
        assert_int_equal(sy.read, (0x1000 - 0x100) / 24);      /* up to the end of the mapped page */
        assert_true(sy.defined >= 3);                           /* the strings after the table read as symbols too */
        /* A table that wraps, one that is unmapped, no table. */
        wrv(w, ks + MO.ks_symtab, 0xfffffffffffff000ull);
        assert_int_equal(hm_module_syms(&w->mc, m, &mm, true, &sy), -EBADMSG);
        wrv32(w, ks + MO.ks_num, 4);
        wrv(w, ks + MO.ks_symtab, MODVA + 0x800000);
        assert_int_equal(hm_module_syms(&w->mc, m, &mm, true, &sy), -EFAULT);
        wrv(w, m + MO.kallsyms, 0);
        assert_int_equal(hm_module_syms(&w->mc, m, &mm, true, &sy), -EFAULT);
        /* Names: a string table that is not NUL-terminated within 64 bytes, control bytes. */
        wrv(w, m + MO.kallsyms, ks);
        wrv(w, ks + MO.ks_symtab, ks + 0x100);
        char junk[100];
        memset(junk, 'A', sizeof junk);
        junk[3] = 0x07;
        fake_write(w->g, HVS_GPA(vpa(w, ks + 0x801)), junk, sizeof junk);
        assert_int_equal(hm_module_syms(&w->mc, m, &mm, true, &sy), 0);
        assert_int_equal(strlen(sy.names[0]), 63);
        assert_int_equal(sy.names[0][3], '?');
        world_free(w);
}

static void test_module_stale_copy(void **state) {
        /* A copy of a struct module elsewhere in RAM (freed memory): its self pointer
         * does not translate to it, so the scan does not take it. */
        struct world *w = world_new();
        module_world(w, &MO, false);
        uint8_t buf[0x200];
        fake_read(w->g, HVS_GPA(vpa(w, MSTRUCT(1))), buf, sizeof buf);
        assert_true(hm_module_plausible(&MO, &w->mc.kb, buf, sizeof buf));
        fake_write(w->g, HVS_GPA(0x300040), buf, sizeof buf);
        struct addrset s = { 0 };
        struct triage_budget b;
        triage_budget_init(&b, NULL);
        assert_int_equal(hm_view_scan(&w->mc, &b, &s), 0);
        assert_int_equal(s.n, 3);
        addrset_free(&s);
        buf[MO.name + 3] = '!';
        assert_false(hm_module_plausible(&MO, &w->mc.kb, buf, sizeof buf));
        world_free(w);
}

static void test_hostile_module_lists(void **state) {
        /* The kset list loops, a kobject's mod points elsewhere, the tree is a cycle: every walk ends. */
        struct world *w = world_new();
        module_world(w, &MO, false);
        wrv(w, MSTRUCT(0) + MO.mkobj_mod, MSTRUCT(2));  /* not its own mkobj: not taken */
        uint64_t n = MNODE(1) + MO.mtn_node;
        wrv(w, n + MO.rb_left, n);
        struct addrset s = { 0 };
        assert_int_equal(hm_view_sysfs(&w->mc, &s), 0);
        addrset_sort(&s);
        assert_int_equal(s.n, 2);
        assert_false(addrset_has(&s, MSTRUCT(0)));
        addrset_free(&s);
        int e = hm_view_tree(&w->mc, &s);
        assert_true(e == 0 || e == -E2BIG);
        addrset_free(&s);
        wrv(w, MSTRUCT(2) + MO.mkobj + MO.kobj_entry, MSTRUCT(1) + MO.mkobj + MO.kobj_entry);
        e = hm_view_sysfs(&w->mc, &s);
        assert_true(e == -ELOOP || e == -EFAULT || e == 0);
        addrset_free(&s);
        hvs_findings *f = run_hm(w);
        hvs_findings_free(f);
        world_free(w);
}

static void test_scan_budget(void **state) {
        struct world *w = world_new();
        unlink_task(w, w->tasks[2]);
        hvs_triage_opts o = { .sz = sizeof o, .scan_max_bytes = 1 };
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(hp_compare(&w->hc, &o, f), 0);
        bool said = false;
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                said |= strstr(hvs_findings_get(f, i)->title, "budget spent") != NULL;
        assert_true(said);
        assert_int_equal(count_above_info(f), 1);       /* the PID table still tells */
        hvs_findings_free(f);
        world_free(w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_views_clean),
                cmocka_unit_test(test_idr_two_levels),
                cmocka_unit_test(test_hidden_from_list),
                cmocka_unit_test(test_hidden_scan_only),
                cmocka_unit_test(test_rt_dl_queues),
                cmocka_unit_test(test_unhashed),
                cmocka_unit_test(test_exiting_not_hidden),
                cmocka_unit_test(test_thread_not_hidden),
                cmocka_unit_test(test_hostile_tables),
                cmocka_unit_test(test_task_validator),
                cmocka_unit_test(test_modules),
                cmocka_unit_test(test_module_mem),
                cmocka_unit_test(test_unowned_code),
                cmocka_unit_test(test_known_users_exact),
                cmocka_unit_test(test_symbols_outside),
                cmocka_unit_test(test_sysfs_removed),
                cmocka_unit_test(test_symbols_hostile),
                cmocka_unit_test(test_module_stale_copy),
                cmocka_unit_test(test_hostile_module_lists),
                cmocka_unit_test(test_scan_budget),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hidden.c - the hidden-process and hidden-module checks
 * (src/triage/hidden-*.c) on a fake guest: a task list, a PID table (xarray),
 * a run queue, module list and module address tree, built here with
 * explicit offsets, then tampered with the way the lab rootkits do.
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
static const struct hm_offsets MO = {
        .mod_size = 0x200, .list = 0x8, .name = 0x18, .name_size = 56, .state = 0x0, .mkobj_mod = 0x80,
        .tree_root = 0x8, .mtn_mod = 0x0, .mtn_node = 0x8, .rb_left = 0x10, .rb_right = 0x8,
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
        fake_map_range(w->g, HVS_GVA(MODVA), HVS_GPA(MODPA), 0x100000, X86_PTE_P | X86_PTE_RW);
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
        w->mc = (struct hm_ctx){ .kv = w->kv, .mem = w->g->mem, .o = &MO, .kb = kb, .max_modules = 64 };
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

#define MPA_HEAD 0x220000ull                    /* `modules` list head (direct map here) */
#define MPA_TREE 0x221000ull                    /* mod_tree */
#define MOD_OFF(i) (0x1000ull * (i) + 0x40)     /* struct module i in module space */
#define MTN_OFF(i) (0x1000ull * (i) + 0x800)    /* its mod_tree_node */

static uint64_t add_module(struct world *w, size_t i, const char *name, bool listed) {
        uint64_t va = MODVA + MOD_OFF(i), pa = MODPA + MOD_OFF(i);
        wr32(w, pa + MO.state, 0);
        fake_write(w->g, HVS_GPA(pa + MO.name), name, strlen(name));
        wr64(w, pa + MO.mkobj_mod, va);
        uint64_t head = VA(MPA_HEAD), node = va + MO.list;
        if (listed) {
                uint64_t first = fake_read_u64(w->g, HVS_GPA(MPA_HEAD));
                wr64(w, pa + MO.list, first);
                wr64(w, pa + MO.list + 8, head);
                uint64_t first_pa = first >= MODVA ? first - MODVA + MODPA : first - POB;
                wr64(w, first_pa + 8, node);
                wr64(w, MPA_HEAD, node);
        } else {
                wr64(w, pa + MO.list, node);
                wr64(w, pa + MO.list + 8, node);
        }
        wr64(w, MODPA + MTN_OFF(i) + MO.mtn_mod, va);
        return va;
}

static void module_world(struct world *w, bool hide_second) {
        wr64(w, MPA_HEAD, VA(MPA_HEAD));
        wr64(w, MPA_HEAD + 8, VA(MPA_HEAD));
        add_module(w, 0, "ext4", true);
        add_module(w, 1, "hide_self", !hide_second);
        add_module(w, 2, "jbd2", true);
        /* The tree: root = module 1's node, children 0 and 2. */
        uint64_t n[3];
        for (size_t i = 0; i < 3; i++)
                n[i] = MODVA + MTN_OFF(i) + MO.mtn_node;
        wr64(w, MPA_TREE + MO.tree_root, n[1]);
        wr64(w, MODPA + MTN_OFF(1) + MO.mtn_node + MO.rb_left, n[0]);
        wr64(w, MODPA + MTN_OFF(1) + MO.mtn_node + MO.rb_right, n[2]);
        w->mc.modules = VA(MPA_HEAD);
        w->mc.mod_tree = VA(MPA_TREE);
}

static void test_modules(void **state) {
        for (int hide = 0; hide < 2; hide++) {
                struct world *w = world_new();
                module_world(w, hide);
                struct addrset l = { 0 }, t = { 0 }, s = { 0 };
                struct triage_budget b;
                triage_budget_init(&b, NULL);
                assert_int_equal(hm_view_list(&w->mc, &l), 0);
                assert_int_equal(hm_view_tree(&w->mc, &t), 0);
                assert_int_equal(hm_view_scan(&w->mc, &b, &s), 0);
                assert_int_equal(l.n, hide ? 2 : 3);
                assert_int_equal(t.n, 3);
                assert_int_equal(s.n, 3);
                addrset_free(&l), addrset_free(&t), addrset_free(&s);
                hvs_findings *f = NULL;
                assert_int_equal(hvs_findings_new(&f), 0);
                assert_int_equal(hm_compare(&w->mc, NULL, f), 0);
                assert_int_equal(count_above_info(f), hide ? 1 : 0);
                if (hide) {
                        const hvs_finding *h = first_above_info(f);
                        assert_int_equal(h->severity, HVS_SEV_HIGH);
                        assert_int_equal(h->addr, MODVA + MOD_OFF(1));
                        assert_non_null(strstr(h->title, "hide_self hidden from the module list"));
                }
                hvs_findings_free(f);
                world_free(w);
        }
}

static void test_module_stale_copy(void **state) {
        /* A copy of a struct module elsewhere in RAM (freed memory): its self pointer
         * does not translate to it, so the scan does not take it. */
        struct world *w = world_new();
        module_world(w, false);
        uint8_t buf[0x200];
        fake_read(w->g, HVS_GPA(MODPA + MOD_OFF(1)), buf, sizeof buf);
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
                cmocka_unit_test(test_module_stale_copy),
                cmocka_unit_test(test_scan_budget),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

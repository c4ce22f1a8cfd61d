/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-linux.c - the Linux task walker (tasks.c), the bounded list iterator
 * (list.c) and hvs_linux_open_parts() (kernel.c) on a fake kernel
 * (tests/fixtures/fake_linux.h): every hvs_task field, ps state letters,
 * broken and cyclic lists, limits, partial tasks, missing profile fields.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include "os/linux/list.h"
#include "fake_linux.h"

/* Unmapped kernel addresses (vmalloc area: nothing is mapped there). */
#define UNMAPPED_KVA 0xffffc90000000000ull

static int setup_paging(void **state, enum hvs_paging paging) {
        struct fake_linux *fl;
        int r = fake_linux_new(paging, &fl);
        if (r < 0)
                return r;
        *state = fl;
        return 0;
}
static int setup_4level(void **state) { return setup_paging(state, HVS_PAGING_4LEVEL); }
static int setup_5level(void **state) { return setup_paging(state, HVS_PAGING_5LEVEL); }
static int teardown(void **state) {
        fake_linux_free(*state);
        return 0;
}

/* Open the kernel with @limits (NULL = defaults) and walk its task list. */
static hvs_task_list *walk(struct fake_linux *fl, const hvs_linux_limits *limits) {
        hvs_linux *k = NULL;
        hvs_task_list *l = NULL;
        assert_int_equal(fake_linux_open(fl, limits, &k), 0);
        assert_int_equal(hvs_linux_tasks(k, &l), 0);
        assert_non_null(l);
        hvs_linux_close(k);
        return l;
}

/* A user process: @argv is a string literal with its NULs (sizeof - 1 bytes). */
#define USER(p, par, name, args)                                                                   \
        (struct fake_task_spec) {                                                                  \
                .pid = (p), .parent = (par), .comm = (name), .argv = (args),                       \
                .argv_len = sizeof(args) - 1, .state = FAKE_TASK_INTERRUPTIBLE                     \
        }

/* Add @n plain user processes with pids @first.. and return the address of the last. */
static uint64_t add_plain(struct fake_linux *fl, int first, size_t n, uint64_t *ret_addrs) {
        uint64_t last = 0;
        for (size_t i = 0; i < n; i++) {
                char comm[16];
                snprintf(comm, sizeof comm, "proc%zu", i);
                last = fake_linux_add_task(fl, &USER(first + (int)i, 0, comm, "prog\0arg\0"));
                if (ret_addrs)
                        ret_addrs[i] = last;
        }
        return last;
}

/* ---- a normal task list --------------------------------------------------------- */

struct expect {
        int32_t pid, tgid, ppid;
        uint32_t uid, gid, euid, egid;
        char state;
        uint32_t threads;
        const char *comm;
        const char *argv;       /* NULL for kernel threads */
        size_t argv_len;
        bool kthread;
        uint64_t boottime;
};

static void check_normal_list(struct fake_linux *fl) {
        uint64_t init = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 1, .comm = "systemd", .argv = "/sbin/init\0splash\0", .argv_len = 18,
                .state = FAKE_TASK_INTERRUPTIBLE, .start_boottime = 1000000, .nr_threads = 1 });
        uint64_t kthreadd = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 2, .comm = "kthreadd", .flags = FAKE_PF_KTHREAD, .state = FAKE_TASK_INTERRUPTIBLE,
                .start_boottime = 1000100 });
        uint64_t rcu = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 3, .parent = kthreadd, .comm = "rcu_gp", .flags = FAKE_PF_KTHREAD | 0x40,
                .state = FAKE_TASK_IDLE, .start_boottime = 1000200 });
        uint64_t sshd = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 500, .parent = init, .comm = "sshd", .argv = "sshd: /usr/sbin/sshd -D\0",
                .argv_len = 24, .state = FAKE_TASK_INTERRUPTIBLE, .nr_threads = 1,
                .start_boottime = 5000000000ull });
        uint64_t bash = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 600, .parent = sshd, .comm = "bash", .argv = "-bash\0", .argv_len = 6,
                .uid = 1000, .gid = 1001, .euid = 1000, .egid = 1001, .state = FAKE_TASK_UNINTERRUPTIBLE,
                .start_boottime = 6000000000ull });
        uint64_t passwd = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 700, .parent = bash, .comm = "passwd", .argv = "passwd\0alice\0", .argv_len = 13,
                .uid = 1000, .gid = 1001, .euid = 0, .egid = 42, .state = FAKE_TASK_RUNNING,
                .nr_threads = 3, .start_boottime = 7000000000ull });

        const uint64_t addrs[] = { init, kthreadd, rcu, sshd, bash, passwd };
        const struct expect want[] = {
                { 1, 1, 0, 0, 0, 0, 0, 'S', 1, "systemd", "/sbin/init\0splash", 17, false, 1000000 },
                { 2, 2, 0, 0, 0, 0, 0, 'S', 1, "kthreadd", NULL, 0, true, 1000100 },
                { 3, 3, 2, 0, 0, 0, 0, 'I', 1, "rcu_gp", NULL, 0, true, 1000200 },
                { 500, 500, 1, 0, 0, 0, 0, 'S', 1, "sshd", "sshd: /usr/sbin/sshd -D", 23, false, 5000000000ull },
                { 600, 600, 500, 1000, 1001, 1000, 1001, 'D', 1, "bash", "-bash", 5, false, 6000000000ull },
                { 700, 700, 600, 1000, 1001, 0, 42, 'R', 3, "passwd", "passwd\0alice", 12, false, 7000000000ull },
        };

        hvs_task_list *l = walk(fl, NULL);
        assert_false(l->truncated);
        assert_int_equal(l->trunc_err, 0);
        assert_int_equal(l->n, 6);
        for (size_t i = 0; i < 6; i++) {
                const hvs_task *t = &l->tasks[i];
                const struct expect *w = &want[i];
                const struct fake_task *ft = fake_linux_task(fl, addrs[i]);
                assert_int_equal(t->addr.v, addrs[i]);
                assert_int_equal(t->pid, w->pid);
                assert_int_equal(t->tgid, w->tgid);
                assert_int_equal(t->ppid, w->ppid);
                assert_int_equal(t->uid, w->uid);
                assert_int_equal(t->gid, w->gid);
                assert_int_equal(t->euid, w->euid);
                assert_int_equal(t->egid, w->egid);
                assert_int_equal(t->state, w->state);
                assert_int_equal(t->nr_threads, w->threads);
                assert_string_equal(t->comm, w->comm);
                assert_int_equal(t->kthread, w->kthread);
                assert_int_equal(t->start_boottime_ns, w->boottime);
                assert_int_equal(t->partial, 0);
                if (w->argv) {
                        assert_non_null(t->argv);
                        assert_int_equal(t->argv_len, w->argv_len);
                        assert_memory_equal(t->argv, w->argv, w->argv_len);
                        assert_int_equal(t->argv[t->argv_len], '\0');
                        assert_int_equal(t->mm.v, ft->mm);
                        assert_int_not_equal(t->mm.v, 0);
                        assert_false(t->flags & FAKE_PF_KTHREAD);
                } else {
                        assert_null(t->argv);
                        assert_int_equal(t->argv_len, 0);
                        assert_int_equal(t->mm.v, 0);
                        assert_true(t->flags & FAKE_PF_KTHREAD);
                }
        }
        assert_int_equal(l->tasks[2].state_raw, FAKE_TASK_IDLE);
        assert_int_equal(l->tasks[2].flags, FAKE_PF_KTHREAD | 0x40);
        hvs_task_list_free(l);
}

static void test_tasks_normal(void **state) { check_normal_list(*state); }

/* The view opened from parts reports what it was given. */
static void test_open_parts_info(void **state) {
        struct fake_linux *fl = *state;
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        const hvs_linux_info *info = hvs_linux_get_info(k);
        assert_string_equal(info->banner, FAKE_LINUX_BANNER);
        assert_string_equal(info->release, FAKE_LINUX_RELEASE);
        assert_int_equal(info->text_va, FAKE_LINUX_TEXT_VA);
        assert_int_equal(info->text_pa, FAKE_LINUX_TEXT_PA);
        assert_int_equal(info->page_offset_base, fl->page_offset_base);
        assert_int_equal(info->root, fl->g->root.v);
        assert_int_equal(info->paging, fl->g->paging);
        assert_non_null(hvs_linux_profile(k));
        assert_non_null(hvs_linux_kernel_vas(k));
        hvs_linux_close(k);
}

/* ---- the guest's clock ------------------------------------------------------------------ */

/* Boot time = offs_real - offs_boot of the timekeeper in tk_core. */
static void test_clock(void **state) {
        struct fake_linux *fl = *state;
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        const hvs_linux_info *info = hvs_linux_get_info(k);
        assert_int_equal(info->boot_time_ns, FAKE_CLOCK_BOOT_NS);
        assert_int_equal(info->guest_time_s, FAKE_CLOCK_BOOT_NS / 1000000000 + FAKE_CLOCK_UP_S);
        hvs_linux_close(k);
}

/* A clock that makes no sense is reported unknown (0), never used. */
static void test_clock_implausible(void **state) {
        struct fake_linux *fl = *state;
        const int64_t boot = FAKE_CLOCK_BOOT_NS, now = boot / 1000000000 + 60;
        const struct { int64_t real, off_boot, xsec; const char *why; } cases[] = {
                { boot, -1, now, "negative offs_boot" },
                { 5, 10, now, "offs_boot beyond offs_real" },
                { boot, 0, 100, "guest clock in 1970" },
                { boot, 0, INT64_MAX / 1000000000, "guest clock past 2200" },
                { boot + 7200000000000ll, 0, now, "booted after the clock's now" },
                { 1000000000ll, 0, now, "booted in 1970" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                fake_linux_set_clock(fl, cases[i].real, cases[i].off_boot, cases[i].xsec);
                hvs_linux *k = NULL;
                assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
                if (hvs_linux_get_info(k)->boot_time_ns != 0)
                        fail_msg("case '%s': boot time %lld accepted", cases[i].why,
                                 (long long)hvs_linux_get_info(k)->boot_time_ns);
                assert_int_equal(hvs_linux_get_info(k)->guest_time_s, 0);
                hvs_linux_close(k);
        }
}

/* ---- state letters and comm ----------------------------------------------------------- */

static void test_state_letters(void **state) {
        struct fake_linux *fl = *state;
        static const struct { uint32_t state, exit_state; char letter; } cases[] = {
                { FAKE_TASK_RUNNING, 0, 'R' },
                { FAKE_TASK_INTERRUPTIBLE, 0, 'S' },
                { FAKE_TASK_UNINTERRUPTIBLE, 0, 'D' },
                { FAKE_TASK_STOPPED, 0, 'T' },
                { FAKE_TASK_TRACED, 0, 't' },
                { FAKE_TASK_RUNNING, FAKE_EXIT_ZOMBIE, 'Z' },
                { FAKE_TASK_RUNNING, FAKE_EXIT_DEAD, 'X' },
                { FAKE_TASK_IDLE, 0, 'I' },
                { FAKE_TASK_PARKED, 0, 'P' },
                { FAKE_TASK_RTLOCK_WAIT, 0, 'D' },
                { FAKE_TASK_FROZEN, 0, 'D' },
                { FAKE_TASK_IDLE | FAKE_TASK_FREEZABLE, 0, 'I' },
                { FAKE_TASK_INTERRUPTIBLE | FAKE_TASK_FREEZABLE, 0, 'S' },
                /* TASK_UNINTERRUPTIBLE | TASK_WAKEKILL (TASK_KILLABLE) is still D */
                { FAKE_TASK_UNINTERRUPTIBLE | 0x100, 0, 'D' },
        };
        const size_t n = sizeof cases / sizeof cases[0];
        for (size_t i = 0; i < n; i++)
                fake_linux_add_task(fl, &(struct fake_task_spec){
                        .pid = 100 + (int)i, .comm = "s", .state = cases[i].state,
                        .exit_state = cases[i].exit_state, .flags = FAKE_PF_KTHREAD });
        hvs_task_list *l = walk(fl, NULL);
        assert_int_equal(l->n, n);
        for (size_t i = 0; i < n; i++) {
                if (l->tasks[i].state != cases[i].letter)
                        fail_msg("state 0x%x exit_state 0x%x: got '%c', want '%c'", cases[i].state,
                                 cases[i].exit_state, l->tasks[i].state, cases[i].letter);
                assert_int_equal(l->tasks[i].state_raw, cases[i].state);
        }
        hvs_task_list_free(l);
}

static void test_comm_16_bytes_no_nul(void **state) {
        struct fake_linux *fl = *state;
        uint64_t a = fake_linux_add_task(fl, &USER(42, 0, "abcdefghijklmnop", "x\0"));
        uint8_t raw[FAKE_TASK_COMM_LEN];
        fake_read(fl->g, fake_linux_pa(fl, a + FAKE_TASK_COMM), raw, sizeof raw);
        assert_memory_equal(raw, "abcdefghijklmnop", 16);     /* no NUL in the guest */
        hvs_task_list *l = walk(fl, NULL);
        assert_int_equal(l->n, 1);
        assert_string_equal(l->tasks[0].comm, "abcdefghijklmnop");
        assert_int_equal(strlen(l->tasks[0].comm), 16);
        hvs_task_list_free(l);
}

static void test_comm_control_bytes(void **state) {
        struct fake_linux *fl = *state;
        fake_linux_add_task(fl, &USER(43, 0, "ev\x1b[1mil\x7f", "x\0"));
        hvs_task_list *l = walk(fl, NULL);
        assert_string_equal(l->tasks[0].comm, "ev?[1mil?");
        hvs_task_list_free(l);
}

/* ---- broken lists ------------------------------------------------------------------------ */

static void test_cycle_not_through_head(void **state) {
        struct fake_linux *fl = *state;
        uint64_t a = fake_linux_add_task(fl, &USER(10, 0, "A", "a\0"));
        uint64_t b = fake_linux_add_task(fl, &USER(11, 0, "B", "b\0"));
        uint64_t c = fake_linux_add_task(fl, &USER(12, 0, "C", "c\0"));
        fake_linux_set_next(fl, c, fake_task_link(b));  /* A -> B -> C -> B */
        hvs_task_list *l = walk(fl, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_true(strlen(l->trunc_msg) > 0);
        /* Each task once, in list order: the walk's repeats of the cycle are dropped. */
        assert_int_equal(l->n, 3);
        assert_int_equal(l->tasks[0].addr.v, a);
        assert_int_equal(l->tasks[1].addr.v, b);
        assert_int_equal(l->tasks[2].addr.v, c);
        assert_int_equal(l->tasks[2].pid, 12);
        assert_non_null(strstr(l->trunc_msg, "after 3 tasks"));
        hvs_task_list_free(l);
}

static void test_cycle_self_loop(void **state) {
        struct fake_linux *fl = *state;
        uint64_t a = fake_linux_add_task(fl, &USER(10, 0, "A", "a\0"));
        fake_linux_set_next(fl, a, fake_task_link(a));  /* A -> A */
        hvs_task_list *l = walk(fl, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_int_equal(l->n, 1);
        assert_int_equal(l->tasks[0].addr.v, a);
        hvs_task_list_free(l);
}

/* A longer cycle entered late: still each task once. */
static void test_cycle_long_rho(void **state) {
        struct fake_linux *fl = *state;
        uint64_t addrs[40];
        add_plain(fl, 100, 40, addrs);
        fake_linux_set_next(fl, addrs[39], fake_task_link(addrs[25]));
        hvs_task_list *l = walk(fl, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -ELOOP);
        assert_int_equal(l->n, 40);
        for (size_t i = 0; i < 40; i++)
                assert_int_equal(l->tasks[i].addr.v, addrs[i]);
        hvs_task_list_free(l);
}

/*
 * The cap reached inside a cycle (A -> B -> C -> A, the walk capped at 4 before
 * Brent notices): still -E2BIG, each task once.
 */
static void test_cycle_capped(void **state) {
        struct fake_linux *fl = *state;
        uint64_t addrs[3];
        add_plain(fl, 100, 3, addrs);
        fake_linux_set_next(fl, addrs[2], fake_task_link(addrs[0]));
        hvs_task_list *l = walk(fl, &(hvs_linux_limits){ .max_tasks = 4 });
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(l->tasks[i].addr.v, addrs[i]);
        hvs_task_list_free(l);
}

static void check_broken_next(struct fake_linux *fl, uint64_t bad_next) {
        uint64_t a = fake_linux_add_task(fl, &USER(10, 0, "A", "a\0"));
        uint64_t b = fake_linux_add_task(fl, &USER(11, 0, "B", "b\0"));
        fake_linux_add_task(fl, &USER(12, 0, "C", "c\0"));
        fake_linux_set_next(fl, b, bad_next);
        hvs_task_list *l = walk(fl, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_true(strlen(l->trunc_msg) > 0);
        assert_int_equal(l->n, 2);
        assert_int_equal(l->tasks[0].addr.v, a);
        assert_int_equal(l->tasks[1].addr.v, b);
        hvs_task_list_free(l);
}

static void test_next_unmapped(void **state) { check_broken_next(*state, UNMAPPED_KVA); }
static void test_next_null(void **state) { check_broken_next(*state, 0); }
/* Non-canonical under both 4- and 5-level paging. */
static void test_next_noncanonical(void **state) { check_broken_next(*state, 0x0100000000000000ull); }
/* Canonical, mapped list_head, but its task_struct would start below the map. */
static void test_next_task_straddles_hole(void **state) {
        struct fake_linux *fl = *state;
        check_broken_next(fl, fl->page_offset_base + FAKE_TASK_TASKS - 8);
}

/* ---- limits --------------------------------------------------------------------------------- */

static void test_max_tasks_exact(void **state) {
        struct fake_linux *fl = *state;
        add_plain(fl, 100, 5, NULL);
        hvs_task_list *l = walk(fl, &(hvs_linux_limits){ .max_tasks = 5 });
        assert_false(l->truncated);
        assert_int_equal(l->trunc_err, 0);
        assert_int_equal(l->n, 5);
        hvs_task_list_free(l);
}

static void test_max_tasks_plus_one(void **state) {
        struct fake_linux *fl = *state;
        uint64_t addrs[6];
        add_plain(fl, 100, 6, addrs);
        hvs_task_list *l = walk(fl, &(hvs_linux_limits){ .max_tasks = 5 });
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -E2BIG);
        assert_int_equal(l->n, 5);
        assert_int_equal(l->tasks[4].addr.v, addrs[4]);
        hvs_task_list_free(l);
}

/* ---- partial tasks -------------------------------------------------------------------------- */

static void test_argv_unreadable(void **state) {
        struct fake_linux *fl = *state;
        fake_linux_add_task(fl, &USER(10, 0, "before", "a\0"));
        uint64_t t = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 11, .comm = "swapped", .argv = "swapped\0out\0", .argv_len = 12, .uid = 7, .euid = 7 });
        fake_linux_add_task(fl, &USER(12, 0, "after", "c\0"));
        fake_linux_unmap_args(fl, t);
        hvs_task_list *l = walk(fl, NULL);
        assert_false(l->truncated);
        assert_int_equal(l->n, 3);
        const hvs_task *x = &l->tasks[1];
        assert_int_equal(x->addr.v, t);
        assert_int_equal(x->pid, 11);
        assert_int_equal(x->uid, 7);
        assert_string_equal(x->comm, "swapped");
        assert_int_equal(x->partial, HVS_TASK_PARTIAL_CMDLINE);
        assert_null(x->argv);
        assert_int_equal(x->argv_len, 0);
        assert_int_equal(x->mm.v, fake_linux_task(fl, t)->mm);
        assert_int_equal(l->tasks[0].partial, 0);
        assert_int_equal(l->tasks[2].partial, 0);
        assert_string_equal(l->tasks[2].argv, "c");
        hvs_task_list_free(l);
}

static void test_argv_truncated(void **state) {
        struct fake_linux *fl = *state;
        char args[200];
        for (size_t i = 0; i < sizeof args; i++)
                args[i] = (char)(i % 10 == 9 ? '\0' : 'a' + (int)(i % 26));
        args[63] = 'z';         /* the last byte kept is not a NUL: nothing trimmed */
        args[sizeof args - 1] = '\0';
        fake_linux_add_task(fl, &(struct fake_task_spec){ .pid = 10, .comm = "long", .argv = args,
                                                          .argv_len = sizeof args });
        hvs_task_list *l = walk(fl, &(hvs_linux_limits){ .max_cmdline = 64 });
        const hvs_task *x = &l->tasks[0];
        assert_int_equal(x->partial, HVS_TASK_PARTIAL_CMDLINE_TRUNC);
        assert_non_null(x->argv);
        assert_int_equal(x->argv_len, 64);
        assert_memory_equal(x->argv, args, 64);
        assert_int_equal(x->argv[64], '\0');
        hvs_task_list_free(l);
}

/* Arguments across a page boundary of the process's memory are read whole. */
static void test_argv_two_pages(void **state) {
        struct fake_linux *fl = *state;
        static char args[6000];
        memset(args, 'q', sizeof args);
        args[3000] = '\0';
        args[sizeof args - 1] = '\0';
        fake_linux_add_task(fl, &(struct fake_task_spec){ .pid = 10, .comm = "big", .argv = args,
                                                          .argv_len = sizeof args });
        hvs_task_list *l = walk(fl, &(hvs_linux_limits){ .max_cmdline = 8192 });
        assert_int_equal(l->tasks[0].partial, 0);
        assert_int_equal(l->tasks[0].argv_len, sizeof args - 1);
        assert_memory_equal(l->tasks[0].argv, args, sizeof args - 1);
        hvs_task_list_free(l);
}

static void test_cred_garbage(void **state) {
        struct fake_linux *fl = *state;
        static const uint64_t garbage[] = { UNMAPPED_KVA, 0x4141414141414141ull, 0, UINT64_MAX - 2 };
        uint64_t t[4];
        for (size_t i = 0; i < 4; i++) {
                t[i] = fake_linux_add_task(fl, &(struct fake_task_spec){
                        .pid = 10 + (int)i, .comm = "victim", .argv = "v\0", .argv_len = 2, .uid = 5,
                        .nr_threads = 2 });
                fake_linux_set_cred(fl, t[i], garbage[i]);
        }
        hvs_task_list *l = walk(fl, NULL);
        assert_false(l->truncated);
        assert_int_equal(l->n, 4);
        for (size_t i = 0; i < 4; i++) {
                const hvs_task *x = &l->tasks[i];
                assert_int_equal(x->addr.v, t[i]);
                assert_int_equal(x->pid, 10 + (int)i);
                assert_int_equal(x->partial, HVS_TASK_PARTIAL_CRED);
                assert_int_equal(x->nr_threads, 2);
                assert_string_equal(x->argv, "v");
        }
        hvs_task_list_free(l);
}

static void test_init_task_unreadable(void **state) {
        struct fake_linux *fl = *state;
        add_plain(fl, 100, 2, NULL);
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        fake_unmap(fl->g, HVS_GVA(fl->init_task));
        hvs_linux_refresh(k);
        hvs_task_list *l = (hvs_task_list *)(uintptr_t)0x1;     /* must stay untouched */
        assert_int_equal(hvs_linux_tasks(k, &l), -EFAULT);
        assert_ptr_equal(l, (hvs_task_list *)(uintptr_t)0x1);
        assert_non_null(strstr(hvs_linux_errmsg(k), "init_task"));
        hvs_linux_close(k);
}

/* The walker reads through the kernel view's translation cache: refresh sees changes. */
static void test_refresh_after_change(void **state) {
        struct fake_linux *fl = *state;
        uint64_t a = fake_linux_add_task(fl, &USER(10, 0, "A", "a\0"));
        fake_linux_add_task(fl, &USER(11, 0, "B", "b\0"));
        hvs_linux *k = NULL;
        hvs_task_list *l = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        assert_int_equal(hvs_linux_tasks(k, &l), 0);
        assert_int_equal(l->n, 2);
        l = hvs_task_list_free(l);
        fake_linux_set_next(fl, a, fake_task_link(fl->init_task));     /* drop B */
        hvs_linux_refresh(k);
        assert_int_equal(hvs_linux_tasks(k, &l), 0);
        assert_int_equal(l->n, 1);
        assert_false(l->truncated);
        hvs_task_list_free(l);
        hvs_linux_close(k);
}

/* ---- the list iterator ---------------------------------------------------------------------- */

static hvs_vas *kernel_vas(struct fake_linux *fl) {
        hvs_vas *as = NULL;
        assert_int_equal(hvs_vas_new(fl->g->mem, fl->g->root, fl->g->paging, &as), 0);
        return as;
}

/* Build head -> n[0] -> ... -> n[n-1] -> (n[loop_to] or head when loop_to < 0). */
static uint64_t build_list(struct fake_linux *fl, size_t n, long loop_to, uint64_t *nodes) {
        uint64_t head = fake_linux_kalloc(fl, FAKE_LIST_HEAD_SIZE);
        for (size_t i = 0; i < n; i++)
                nodes[i] = fake_linux_kalloc(fl, FAKE_LIST_HEAD_SIZE);
        uint64_t prev = head;
        for (size_t i = 0; i < n; i++) {
                fake_linux_write_u64(fl, prev, nodes[i]);
                fake_linux_write_u64(fl, nodes[i] + 8, prev);
                prev = nodes[i];
        }
        fake_linux_write_u64(fl, prev, loop_to < 0 ? head : nodes[loop_to]);
        fake_linux_write_u64(fl, head + 8, prev);
        return head;
}

static void test_list_iter_long(void **state) {
        struct fake_linux *fl = *state;
        enum { N = 10000 };
        static uint64_t nodes[N];
        uint64_t head = build_list(fl, N, -1, nodes);
        hvs_vas *as = kernel_vas(fl);
        hvs_list_iter it;
        hvs_list_iter_init(&it, as, HVS_GVA(head), N);
        hvs_gva node;
        size_t i = 0;
        int r;
        while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                assert_true(i < N);
                assert_int_equal(node.v, nodes[i]);
                i++;
        }
        assert_int_equal(r, 0);
        assert_int_equal(i, N);
        assert_int_equal(hvs_list_iter_steps(&it), N);
        assert_int_equal(hvs_list_iter_next(&it, &node), 0);   /* stays ended */

        /* The same list with a cap one short: -E2BIG after the cap, and it sticks. */
        hvs_list_iter_init(&it, as, HVS_GVA(head), N - 1);
        for (i = 0; (r = hvs_list_iter_next(&it, &node)) > 0; i++)
                ;
        assert_int_equal(r, -E2BIG);
        assert_int_equal(i, N - 1);
        assert_int_equal(hvs_list_iter_next(&it, &node), -E2BIG);

        /* An empty list ends at once. */
        uint64_t empty = fake_linux_kalloc(fl, FAKE_LIST_HEAD_SIZE);
        fake_linux_write_u64(fl, empty, empty);
        hvs_list_iter_init(&it, as, HVS_GVA(empty), N);
        assert_int_equal(hvs_list_iter_next(&it, &node), 0);
        hvs_vas_free(as);
}

/*
 * A rho-shaped list: a tail of mu nodes, then a cycle of lambda nodes that
 * does not pass the head. Brent's method must (a) report -ELOOP, (b) return
 * every distinct node before it does (nothing lost), and (c) stop within
 * 2 * max(mu + 2, lambda) + lambda steps, whatever the shape.
 */
static void test_list_iter_rho(void **state) {
        struct fake_linux *fl = *state;
        static const struct { size_t mu, lambda; } shapes[] = {
                { 0, 1 }, { 0, 2 }, { 1, 1 }, { 5, 3 }, { 1000, 300 }, { 10, 5000 }, { 5000, 1 }, { 4095, 4097 },
        };
        static uint64_t nodes[9000];
        hvs_vas *as = kernel_vas(fl);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                size_t mu = shapes[s].mu, lambda = shapes[s].lambda, n = mu + lambda;
                assert_true(n <= sizeof nodes / sizeof nodes[0]);
                uint64_t head = build_list(fl, n, (long)mu, nodes);
                hvs_list_iter it;
                hvs_list_iter_init(&it, as, HVS_GVA(head), UINT32_MAX);
                hvs_gva node;
                size_t i = 0;
                int r;
                while ((r = hvs_list_iter_next(&it, &node)) > 0) {
                        assert_int_equal(node.v, nodes[i < n ? i : mu + (i - mu) % lambda]);
                        i++;
                        assert_true(i <= 4 * n + 8);   /* a hard stop if detection failed */
                }
                size_t bound = 2 * (mu + 2 > lambda ? mu + 2 : lambda) + lambda;
                if (r != -ELOOP || i < n || i > bound)
                        fail_msg("mu %zu lambda %zu: r %d after %zu steps (want -ELOOP within [%zu, %zu])", mu,
                                 lambda, r, i, n, bound);
                assert_int_equal(hvs_list_iter_steps(&it), i);
                assert_int_equal(hvs_list_iter_next(&it, &node), -ELOOP);
        }
        hvs_vas_free(as);
}

/* A link that is fine but whose node is unreadable fails at the next step. */
static void test_list_iter_unreadable_node(void **state) {
        struct fake_linux *fl = *state;
        uint64_t nodes[2];
        uint64_t head = build_list(fl, 2, -1, nodes);
        fake_linux_write_u64(fl, nodes[0], UNMAPPED_KVA);
        hvs_vas *as = kernel_vas(fl);
        hvs_list_iter it;
        hvs_list_iter_init(&it, as, HVS_GVA(head), 100);
        hvs_gva node;
        assert_int_equal(hvs_list_iter_next(&it, &node), 1);
        assert_int_equal(node.v, nodes[0]);
        assert_int_equal(hvs_list_iter_next(&it, &node), 1);
        assert_int_equal(node.v, UNMAPPED_KVA);
        assert_int_equal(hvs_list_iter_next(&it, &node), -EFAULT);
        assert_int_equal(hvs_list_iter_next(&it, &node), -EFAULT);
        assert_int_equal(hvs_list_iter_steps(&it), 2);
        hvs_vas_free(as);
}

/* ---- open_parts ---------------------------------------------------------------------------- */

static void check_missing(struct fake_linux *fl, const char *type, const char *field, const char *named) {
        void *btf = NULL;
        size_t len = 0;
        assert_int_equal(fake_linux_btf(type, field, &btf, &len), 0);
        hvs_diag diag = { 0 };
        hvs_linux *k = (hvs_linux *)(uintptr_t)0x1;
        assert_int_equal(fake_linux_open_btf(fl, btf, len, NULL, &diag, &k), -ENOENT);
        assert_ptr_equal(k, (hvs_linux *)(uintptr_t)0x1);
        assert_int_equal(diag.err, -ENOENT);
        if (!strstr(diag.msg, named))
                fail_msg("diag '%s' does not name '%s'", diag.msg, named);
        free(btf);
}

static void test_open_missing_field(void **state) {
        struct fake_linux *fl = *state;
        check_missing(fl, "task_struct", "pid", "task_struct.pid");
        check_missing(fl, "task_struct", "tasks", "task_struct.tasks");
        check_missing(fl, "cred", "euid", "cred.euid");
        check_missing(fl, "mm_struct", "pgd", "mm_struct.pgd");
}

/* Optional fields may be absent: the walk still works, the task is marked. */
static void test_open_optional_field_absent(void **state) {
        struct fake_linux *fl = *state;
        fake_linux_add_task(fl, &USER(10, 0, "A", "a\0"));
        void *btf = NULL;
        size_t len = 0;
        assert_int_equal(fake_linux_btf("signal_struct", "nr_threads", &btf, &len), 0);
        hvs_linux *k = NULL;
        hvs_task_list *l = NULL;
        assert_int_equal(fake_linux_open_btf(fl, btf, len, NULL, NULL, &k), 0);
        free(btf);
        assert_int_equal(hvs_linux_tasks(k, &l), 0);
        assert_int_equal(l->n, 1);
        assert_int_equal(l->tasks[0].pid, 10);
        assert_int_equal(l->tasks[0].partial, HVS_TASK_PARTIAL_SIGNAL);
        hvs_task_list_free(l);
        hvs_linux_close(k);
}

/* Named "<test>/4-level" or "<test>/5-level", like test-x86. */
#define T4(f) { #f "/4-level", f, setup_4level, teardown, NULL }
#define T5(f) { #f "/5-level", f, setup_5level, teardown, NULL }

int main(void) {
        const struct CMUnitTest tests[] = {
                T4(test_tasks_normal),
                T5(test_tasks_normal),
                T4(test_open_parts_info),
                T5(test_open_parts_info),
                T4(test_clock),
                T5(test_clock),
                T4(test_clock_implausible),
                T4(test_state_letters),
                T4(test_comm_16_bytes_no_nul),
                T4(test_comm_control_bytes),
                T4(test_cycle_not_through_head),
                T4(test_cycle_self_loop),
                T4(test_cycle_long_rho),
                T4(test_cycle_capped),
                T4(test_next_unmapped),
                T4(test_next_null),
                T4(test_next_noncanonical),
                T5(test_next_noncanonical),
                T4(test_next_task_straddles_hole),
                T4(test_max_tasks_exact),
                T4(test_max_tasks_plus_one),
                T4(test_argv_unreadable),
                T5(test_argv_unreadable),
                T4(test_argv_truncated),
                T4(test_argv_two_pages),
                T4(test_cred_garbage),
                T4(test_init_task_unreadable),
                T4(test_refresh_after_change),
                T4(test_list_iter_long),
                T4(test_list_iter_rho),
                T4(test_list_iter_unreadable_node),
                T4(test_open_missing_field),
                T4(test_open_optional_field_absent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-env.c - process environments (env.c) on a fake kernel, through the
 * public call (the fixture's mm_struct has env_start/env_end): variables in
 * order, a page that is not resident (partial, prefix kept), max_env,
 * empty and inverted ranges, kernel threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include "fake_linux.h"

#define ENV_VA 0x7ffd00000000ull

static int setup(void **state) {
        struct fake_linux *fl;
        int r = fake_linux_new(HVS_PAGING_4LEVEL, &fl);
        if (r < 0)
                return r;
        *state = fl;
        return 0;
}
static int teardown(void **state) {
        fake_linux_free(*state);
        return 0;
}

/* A process whose environment @env (@len bytes) starts at ENV_VA + @off, on two mapped pages. */
static uint64_t add_proc(struct fake_linux *fl, const void *env, size_t len, uint64_t off) {
        uint64_t task = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 115, .comm = "httpd", .argv = "httpd\0", .argv_len = 6, .state = 1 });
        const struct fake_task *t = fake_linux_task(fl, task);
        hvs_gpa pa = fake_alloc_pages(fl->g, 2);
        fake_map_range_in(fl->g, t->pgd, HVS_GVA(ENV_VA), pa, 2 * FAKE_PAGE_SIZE, X86_PTE_RW | X86_PTE_US | X86_PTE_NX);
        fake_write(fl->g, HVS_GPA(pa.v + off), env, len);
        fake_linux_write_u64(fl, t->mm + FAKE_MM_ENV_START, ENV_VA + off);
        fake_linux_write_u64(fl, t->mm + FAKE_MM_ENV_END, ENV_VA + off + len);
        return task;
}

static int env_of(struct fake_linux *fl, uint64_t task, const hvs_linux_limits *limits, hvs_env **ret) {
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, limits, &k), 0);
        const struct fake_task *ft = fake_linux_task(fl, task);
        hvs_task t = { .pid = 115, .addr = HVS_GVA(task), .mm = HVS_GVA(ft->mm) };
        int r = hvs_linux_task_env(k, &t, ret);
        hvs_linux_close(k);
        return r;
}

static const char LAB_ENV[] = "SHLVL=1\0HOME=/\0TERM=linux\0HVS_LAB=1\0PATH=/usr/sbin:/usr/bin:/sbin:/bin\0PWD=/";

static void test_env_normal(void **state) {
        struct fake_linux *fl = *state;
        uint64_t task = add_proc(fl, LAB_ENV, sizeof LAB_ENV, 0xf93);      /* crosses into the second page */
        hvs_env *e = NULL;
        assert_int_equal(env_of(fl, task, NULL, &e), 0);
        assert_int_equal(e->partial, 0);
        assert_int_equal(e->mm.v, fake_linux_task(fl, task)->mm);
        assert_int_equal(e->start, ENV_VA + 0xf93);
        assert_int_equal(e->end, ENV_VA + 0xf93 + sizeof LAB_ENV);
        assert_int_equal(e->len, sizeof LAB_ENV);
        assert_memory_equal(e->data, LAB_ENV, sizeof LAB_ENV);
        static const char *const want[] = { "SHLVL=1", "HOME=/", "TERM=linux", "HVS_LAB=1",
                                            "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "PWD=/" };
        assert_int_equal(e->n, 6);
        for (size_t i = 0; i < 6; i++)
                assert_string_equal(e->vars[i], want[i]);
        hvs_env_free(e);
}

/* The second page is not resident: the first page's bytes are kept, the cut variable ends there. */
static void test_env_not_resident(void **state) {
        struct fake_linux *fl = *state;
        uint64_t task = add_proc(fl, LAB_ENV, sizeof LAB_ENV, 0xfe0);
        fake_unmap_in(fl->g, fake_linux_task(fl, task)->pgd, HVS_GVA(ENV_VA + FAKE_PAGE_SIZE));
        hvs_env *e = NULL;
        assert_int_equal(env_of(fl, task, NULL, &e), 0);
        assert_int_equal(e->partial, HVS_ENV_PARTIAL_UNREADABLE);
        assert_int_equal(e->len, 0x20);
        assert_int_equal(e->n, 4);
        assert_string_equal(e->vars[0], "SHLVL=1");
        assert_string_equal(e->vars[3], "HVS_LA");      /* cut at the page boundary */
        hvs_env_free(e);
        /* Nothing resident at all. */
        fake_unmap_in(fl->g, fake_linux_task(fl, task)->pgd, HVS_GVA(ENV_VA));
        assert_int_equal(env_of(fl, task, NULL, &e), 0);
        assert_int_equal(e->partial, HVS_ENV_PARTIAL_UNREADABLE);
        assert_int_equal(e->n, 0);
        assert_int_equal(e->len, 0);
        hvs_env_free(e);
}

static void test_env_max(void **state) {
        struct fake_linux *fl = *state;
        uint64_t task = add_proc(fl, LAB_ENV, sizeof LAB_ENV, 0);
        hvs_env *e = NULL;
        assert_int_equal(env_of(fl, task, &(hvs_linux_limits){ .max_env = sizeof LAB_ENV }, &e), 0);
        assert_int_equal(e->partial, 0);
        hvs_env_free(e);
        assert_int_equal(env_of(fl, task, &(hvs_linux_limits){ .max_env = 10 }, &e), 0);
        assert_int_equal(e->partial, HVS_ENV_PARTIAL_TRUNCATED);
        assert_int_equal(e->len, 10);
        assert_int_equal(e->n, 2);
        assert_string_equal(e->vars[1], "HO");
        hvs_env_free(e);
}

static void test_env_edges(void **state) {
        struct fake_linux *fl = *state;
        uint64_t task = add_proc(fl, "", 0, 0x10);
        hvs_env *e = NULL;
        assert_int_equal(env_of(fl, task, NULL, &e), 0);
        assert_int_equal(e->n, 0);
        assert_int_equal(e->len, 0);
        assert_int_equal(e->data[0], '\0');
        hvs_env_free(e);
        /* Empty strings in the middle are variables too (as /proc shows the bytes). */
        static const char odd[] = "A=1\0\0B=2\0";
        task = add_proc(fl, odd, sizeof odd - 1, 0);
        assert_int_equal(env_of(fl, task, NULL, &e), 0);
        assert_int_equal(e->n, 3);
        assert_string_equal(e->vars[1], "");
        assert_string_equal(e->vars[2], "B=2");
        hvs_env_free(e);
        /* env_end below env_start. */
        const struct fake_task *ft = fake_linux_task(fl, task);
        fake_linux_write_u64(fl, ft->mm + FAKE_MM_ENV_END, ENV_VA - 1);
        e = NULL;
        assert_int_equal(env_of(fl, task, NULL, &e), -EBADMSG);
        assert_null(e);
}

static void test_env_no_mm(void **state) {
        struct fake_linux *fl = *state;
        uint64_t kt = fake_linux_add_task(fl, &(struct fake_task_spec){ .pid = 2, .comm = "kthreadd",
                                                                           .flags = FAKE_PF_KTHREAD });
        hvs_linux *k = NULL;
        hvs_env *e = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        hvs_task t = { .pid = 2, .addr = HVS_GVA(kt), .kthread = true };
        assert_int_equal(hvs_linux_task_env(k, &t, &e), -ENOENT);
        t = (hvs_task){ .pid = 9, .mm = HVS_GVA(0xffffc90000000000ull) };
        assert_int_equal(hvs_linux_task_env(k, &t, &e), -EFAULT);
        assert_null(e);
        hvs_linux_close(k);
        assert_null(hvs_env_free(NULL));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_env_normal),
                T(test_env_not_resident),
                T(test_env_max),
                T(test_env_edges),
                T(test_env_no_mm),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

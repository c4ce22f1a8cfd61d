/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of src/core: a session over parts the caller opened
 * (hvs_session_new_parts()), used the way 'hvscope vuln attack-evidence'
 * uses it: the triage checks of the table run through it, and closing it
 * leaves the memory and the kernel view to their owner. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/session.h>
#include <hvscope/triage.h>
#include "fake_linux.h"

static int setup(void **state) {
        struct fake_linux *fl = NULL;
        int r = fake_linux_new(HVS_PAGING_4LEVEL, &fl);
        *state = fl;
        return r;
}

static int teardown(void **state) {
        fake_linux_free(*state);
        return 0;
}

static void test_new_parts_bad_arguments(void **state) {
        struct fake_linux *fl = *state;
        hvs_linux *k = NULL;
        hvs_session *s = (hvs_session *)0x1;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        assert_int_equal(hvs_session_new_parts(NULL, k, &s), -EINVAL);
        assert_int_equal(hvs_session_new_parts(fl->g->mem, NULL, &s), -EINVAL);
        assert_int_equal(hvs_session_new_parts(fl->g->mem, k, NULL), -EINVAL);
        assert_ptr_equal(s, (hvs_session *)0x1);        /* untouched on failure */
        assert_null(hvs_session_close(NULL));
        hvs_linux_close(k);
}

/* A root process under a uid-1000 shell (what lab/vuln/privesc.sh leaves):
 * the check table's root-from-user finds it through the borrowed session,
 * and both parts still work after the session is closed. */
static void test_new_parts_runs_checks_and_borrows(void **state) {
        struct fake_linux *fl = *state;
        uint64_t init = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 1, .comm = "init", .argv = "/sbin/init\0", .argv_len = 11 });
        uint64_t sh = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 165, .parent = init, .comm = "sh", .argv = "sh\0", .argv_len = 3,
                .uid = 1000, .euid = 1000, .gid = 1000, .egid = 1000 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 166, .parent = sh, .comm = "sleep", .argv = "sleep\0" "600\0", .argv_len = 10 });
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        hvs_session *s = NULL;
        assert_int_equal(hvs_session_new_parts(fl->g->mem, k, &s), 0);
        assert_ptr_equal(hvs_session_mem(s), fl->g->mem);
        assert_ptr_equal(hvs_session_linux(s), k);

        size_t n = 0;
        const hvs_triage_check *c = hvs_triage_checks(&n);
        const hvs_triage_check *rfu = NULL;
        for (size_t i = 0; i < n; i++)
                if (strcmp(c[i].id, "root-from-user") == 0)
                        rfu = &c[i];
        assert_non_null(rfu);
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(rfu->fn(s, NULL, f, &d), 0);
        size_t hits = 0;
        for (size_t i = 0; i < hvs_findings_count(f); i++) {
                const hvs_finding *g = hvs_findings_get(f, i);
                if (g->severity > HVS_SEV_INFO) {
                        assert_int_equal(g->pid, 166);
                        assert_non_null(strstr(g->title, "under process 165 (sh, uid 1000)"));
                        hits++;
                }
        }
        assert_int_equal(hits, 1);
        hvs_findings_free(f);

        assert_null(hvs_session_close(s));
        /* Borrowed: the kernel view and the memory are still the caller's. */
        hvs_task_list *tl = NULL;
        assert_int_equal(hvs_linux_tasks(k, &tl), 0);
        assert_int_equal(tl->n, 3);     /* init, sh, sleep */
        hvs_task_list_free(tl);
        uint8_t b;
        assert_int_equal(hvs_mem_read(fl->g->mem, HVS_GPA(0), &b, 1), 0);
        hvs_linux_close(k);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_new_parts_bad_arguments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_new_parts_runs_checks_and_borrows, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

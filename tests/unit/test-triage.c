/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of src/triage: the findings list, the check table, and the
 * process checks that need only the task list, on the fake kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include <hvscope/triage.h>
#include "triage/proc-anomalies.h"
#include "triage/triage-internal.h"
#include "fake_linux.h"

/* ---- the findings list ---- */

static void test_severity_names(void **state) {
        assert_string_equal(hvs_severity_name(HVS_SEV_INFO), "info");
        assert_string_equal(hvs_severity_name(HVS_SEV_CRITICAL), "critical");
        assert_null(hvs_severity_name((enum hvs_severity)5));
        assert_null(hvs_severity_name((enum hvs_severity)-1));
        enum hvs_severity s;
        assert_int_equal(triage_severity_parse("medium", &s), 0);
        assert_int_equal(s, HVS_SEV_MEDIUM);
        assert_int_equal(triage_severity_parse("severe", &s), -EINVAL);
        assert_int_equal(triage_severity_parse(NULL, &s), -EINVAL);
}

static void test_findings_add_get(void **state) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(hvs_findings_count(f), 0);
        assert_int_equal(hvs_findings_max_severity(f), HVS_SEV_INFO);
        assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, "a", 12, 0x1000, "t1", NULL, NULL, NULL), 0);
        assert_int_equal(hvs_findings_add(f, HVS_SEV_HIGH, "b", -1, 0, "t2", "why", "T1014",
                                          "{\"x\": [1, 2], \"y\": \"0xffff\"} \n"), 0);
        assert_int_equal(hvs_findings_count(f), 2);
        assert_int_equal(hvs_findings_max_severity(f), HVS_SEV_HIGH);
        const hvs_finding *a = hvs_findings_get(f, 0), *b = hvs_findings_get(f, 1);
        assert_string_equal(a->check_id, "a");
        assert_int_equal(a->pid, 12);
        assert_int_equal(a->addr, 0x1000);
        assert_null(a->explanation);
        assert_null(a->evidence_json);
        assert_string_equal(b->technique, "T1014");
        assert_string_equal(b->explanation, "why");
        assert_non_null(strstr(b->evidence_json, "\"x\""));
        assert_null(hvs_findings_get(f, 2));
        assert_null(hvs_findings_free(f));
        assert_null(hvs_findings_free(NULL));
        assert_int_equal(hvs_findings_count(NULL), 0);
}

static void test_findings_reject(void **state) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        /* Required fields, a severity out of range, evidence that is not one JSON object. */
        assert_int_equal(hvs_findings_add(NULL, HVS_SEV_LOW, "a", -1, 0, "t", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, NULL, -1, 0, "t", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, "", -1, 0, "t", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, "a", -1, 0, NULL, NULL, NULL, NULL), -EINVAL);
        assert_int_equal(hvs_findings_add(f, (enum hvs_severity)9, "a", -1, 0, "t", NULL, NULL, NULL), -EINVAL);
        static const char *const bad[] = { "[1]", "\"s\"", "{", "{} {}", "{}x", "{\"a\":1,}", "", "null" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, "a", -1, 0, "t", NULL, NULL, bad[i]), -EINVAL);
        /* Nested deeper than the parser's depth limit. */
        char deep[200];
        size_t n = 0;
        for (int i = 0; i < 40; i++)
                n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"a\":");
        snprintf(deep + n, sizeof deep - n, "1");
        n = strlen(deep);
        for (int i = 0; i < 40 && n + 1 < sizeof deep; i++)
                deep[n++] = '}';
        deep[n] = '\0';
        assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, "a", -1, 0, "t", NULL, NULL, deep), -EINVAL);
        /* Too long. */
        size_t big = HVS_MAX_FINDING_EVIDENCE + 16;
        char *s = malloc(big + 1);
        assert_non_null(s);
        memset(s, ' ', big);
        s[0] = '{';
        s[big - 1] = '}';
        s[big] = '\0';
        assert_int_equal(hvs_findings_add(f, HVS_SEV_LOW, "a", -1, 0, "t", NULL, NULL, s), -EINVAL);
        free(s);
        assert_int_equal(hvs_findings_count(f), 0);
        hvs_findings_free(f);
}

static void test_findings_cap(void **state) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        for (unsigned i = 0; i < HVS_MAX_FINDINGS + 5; i++)
                assert_int_equal(hvs_findings_add(f, i == HVS_MAX_FINDINGS + 2 ? HVS_SEV_CRITICAL : HVS_SEV_INFO,
                                                  "c", (int32_t)i, 0, "t", NULL, NULL, "{}"), 0);
        assert_int_equal(hvs_findings_count(f), HVS_MAX_FINDINGS);
        assert_int_equal(hvs_findings_dropped(f), 5);
        /* The dropped critical one is not stored: the maximum is of what is stored. */
        assert_int_equal(hvs_findings_max_severity(f), HVS_SEV_INFO);
        hvs_findings_free(f);
}

static void test_findings_oom(void **state) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        for (unsigned k = 0; k < 8; k++) {
                hvs_test_fail_alloc_after(k);
                int r = hvs_findings_add(f, HVS_SEV_LOW, "a", 1, 0, "t", "e", "T1", "{\"a\":1}");
                hvs_test_fail_alloc_after(UINT32_MAX);
                assert_true(r == 0 || r == -ENOMEM);
        }
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                assert_string_equal(hvs_findings_get(f, i)->technique, "T1");
        hvs_findings_free(f);
}

static void test_triage_add_evidence(void **state) {
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        json_object *ev = json_object_new_object();
        json_object_object_add(ev, "addr", triage_json_addr(0xffffffff81000000ull));
        json_object_object_add(ev, "name", json_object_new_string("a\n\"b\x01"));
        assert_int_equal(triage_add(f, HVS_SEV_MEDIUM, "x", 3, 7, "t", NULL, NULL, ev), 0);
        const hvs_finding *g = hvs_findings_get(f, 0);
        assert_non_null(strstr(g->evidence_json, "\"0xffffffff81000000\""));
        assert_null(strchr(g->evidence_json, '\n'));    /* escaped: one line */
        /* Evidence over the limit becomes {"truncated":true}. */
        ev = json_object_new_object();
        char *blob = calloc(1, HVS_MAX_FINDING_EVIDENCE + 1);
        assert_non_null(blob);
        memset(blob, 'a', HVS_MAX_FINDING_EVIDENCE);
        json_object_object_add(ev, "blob", json_object_new_string(blob));
        free(blob);
        assert_int_equal(triage_add(f, HVS_SEV_MEDIUM, "x", 3, 7, "t", NULL, NULL, ev), 0);
        assert_string_equal(hvs_findings_get(f, 1)->evidence_json, "{\"truncated\":true}");
        hvs_findings_free(f);
}

static void test_budget(void **state) {
        hvs_triage_opts o = { .sz = sizeof o, .scan_max_bytes = 100, .time_budget_ms = 60000 };
        struct triage_budget b;
        triage_budget_init(&b, &o);
        assert_true(triage_budget_take(&b, 60));
        assert_false(triage_budget_take(&b, 41));
        assert_true(triage_budget_over(&b));
        hvs_findings *f = NULL;
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_budget_report(&b, f, "yara"), 0);
        assert_int_equal(hvs_findings_count(f), 1);
        assert_int_equal(hvs_findings_get(f, 0)->severity, HVS_SEV_INFO);
        assert_non_null(strstr(hvs_findings_get(f, 0)->evidence_json, "bytes"));
        hvs_findings_free(f);
        /* Defaults when the options say 0. */
        triage_budget_init(&b, NULL);
        assert_int_equal(b.bytes_left, HVS_TRIAGE_SCAN_MAX_BYTES);
        assert_false(triage_budget_over(&b));
}

/* ---- the check table ---- */

static void test_check_table(void **state) {
        size_t n = 0;
        const hvs_triage_check *c = hvs_triage_checks(&n);
        assert_true(n >= 6);
        for (size_t i = 0; i < n; i++) {
                assert_non_null(c[i].id);
                assert_non_null(c[i].what);
                assert_non_null(c[i].fn);
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(c[i].id, c[j].id);
        }
        static const char *const mine[] = { "fileless-exe", "wx-memory", "reverse-shell", "root-from-user",
                                            "kthread-masquerade", "yara" };
        for (size_t m = 0; m < sizeof mine / sizeof mine[0]; m++) {
                bool found = false;
                for (size_t i = 0; i < n; i++)
                        found |= strcmp(c[i].id, mine[m]) == 0;
                assert_true(found);
        }
}

static void test_interpreters(void **state) {
        assert_string_equal(triage_interpreter("sh"), "T1059.004");
        assert_string_equal(triage_interpreter("/bin/bash"), "T1059.004");
        assert_string_equal(triage_interpreter("-sh"), "T1059.004");
        assert_string_equal(triage_interpreter("python3.11"), "T1059.006");
        assert_string_equal(triage_interpreter("/usr/bin/perl5.36"), "T1059");
        assert_null(triage_interpreter("shd"));
        assert_null(triage_interpreter("httpd"));
        assert_null(triage_interpreter(""));
        assert_null(triage_interpreter(NULL));
        assert_null(triage_interpreter("/usr/bin/"));
}

/* ---- process checks on the fake kernel ---- */

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

static const hvs_finding *find(const hvs_findings *f, const char *id, int32_t pid) {
        for (size_t i = 0; i < hvs_findings_count(f); i++) {
                const hvs_finding *g = hvs_findings_get(f, i);
                if (strcmp(g->check_id, id) == 0 && g->pid == pid)
                        return g;
        }
        return NULL;
}

static size_t above_info(const hvs_findings *f) {
        size_t n = 0;
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                n += hvs_findings_get(f, i)->severity > HVS_SEV_INFO;
        return n;
}

static void test_kthread_masquerade(void **state) {
        struct fake_linux *fl = *state;
        uint64_t init = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 1, .comm = "init", .argv = "/sbin/init\0", .argv_len = 11 });
        uint64_t kthreadd = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 2, .comm = "kthreadd", .flags = FAKE_PF_KTHREAD });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 3, .parent = kthreadd, .comm = "kworker/0:1", .flags = FAKE_PF_KTHREAD });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 4, .parent = kthreadd, .comm = "md", .flags = FAKE_PF_KTHREAD });
        /* A user process in brackets, one named like kworker, one like this guest's "md", and innocents. */
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 100, .parent = init, .comm = "sleep", .argv = "[kworker/1:2]\0", .argv_len = 14 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 101, .parent = init, .comm = "kworker/u8:3", .argv = "./x\0", .argv_len = 4 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 102, .parent = init, .comm = "md", .argv = "md\0", .argv_len = 3 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 103, .parent = init, .comm = "mdadm", .argv = "mdadm\0", .argv_len = 6 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 104, .parent = init, .comm = "cardinal", .argv = "cardinal\0", .argv_len = 9 });
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_kthread_masquerade_k(k, NULL, f, &d), 0);
        const hvs_finding *a = find(f, "kthread-masquerade", 100);
        assert_non_null(a);
        assert_string_equal(a->technique, "T1036.004");
        assert_non_null(strstr(a->title, "[kworker/1:2]"));
        const hvs_finding *b = find(f, "kthread-masquerade", 101);
        assert_non_null(b);
        assert_string_equal(b->technique, "T1036.005");
        const hvs_finding *c = find(f, "kthread-masquerade", 102);
        assert_non_null(c);
        assert_non_null(strstr(c->evidence_json, "\"kernel_thread\""));
        assert_null(find(f, "kthread-masquerade", 103));
        assert_null(find(f, "kthread-masquerade", 104));
        assert_null(find(f, "kthread-masquerade", 3));  /* the real one */
        assert_int_equal(hvs_findings_count(f), 3);
        hvs_findings_free(f);
        hvs_linux_close(k);
}

static void test_root_from_user(void **state) {
        struct fake_linux *fl = *state;
        uint64_t init = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 1, .comm = "init", .argv = "/sbin/init\0", .argv_len = 11 });
        uint64_t sh = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 50, .parent = init, .comm = "sh", .argv = "sh\0", .argv_len = 3,
                .uid = 1000, .euid = 1000, .gid = 1000, .egid = 1000 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 51, .parent = sh, .comm = "sleep", .argv = "sleep\0", .argv_len = 6 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 52, .parent = sh, .comm = "cat", .argv = "cat\0", .argv_len = 4,
                .uid = 1000, .euid = 1000 });
        /* Root under root, and a root kernel thread under a user: not reported. */
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 60, .parent = init, .comm = "httpd", .argv = "httpd\0", .argv_len = 6 });
        fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 61, .parent = sh, .comm = "kt", .flags = FAKE_PF_KTHREAD });
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_root_from_user_k(k, NULL, f, &d), 0);
        assert_int_equal(above_info(f), 1);
        const hvs_finding *a = find(f, "root-from-user", 51);
        assert_non_null(a);
        assert_int_equal(a->severity, HVS_SEV_HIGH);
        assert_string_equal(a->technique, "T1068");
        assert_non_null(strstr(a->evidence_json, "\"parent\""));
        assert_non_null(strstr(a->title, "under process 50 (sh, uid 1000)"));
        hvs_findings_free(f);
        hvs_linux_close(k);
}

/* A task list that cycles: the checks end and say the walk stopped. */
static void test_cycle(void **state) {
        struct fake_linux *fl = *state;
        uint64_t a = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 10, .comm = "a", .argv = "a\0", .argv_len = 2 });
        uint64_t b = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 11, .comm = "[b]", .argv = "[b]\0", .argv_len = 4 });
        fake_linux_set_next(fl, b, a);
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        hvs_findings *f = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_findings_new(&f), 0);
        assert_int_equal(triage_kthread_masquerade_k(k, NULL, f, &d), 0);
        assert_int_equal(triage_root_from_user_k(k, NULL, f, &d), 0);
        assert_non_null(find(f, "kthread-masquerade", 11));
        bool noted = false;
        for (size_t i = 0; i < hvs_findings_count(f); i++)
                noted |= hvs_findings_get(f, i)->severity == HVS_SEV_INFO &&
                         strstr(hvs_findings_get(f, i)->title, "stopped early") != NULL;
        assert_true(noted);
        hvs_findings_free(f);
        hvs_linux_close(k);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_severity_names),
                cmocka_unit_test(test_findings_add_get),
                cmocka_unit_test(test_findings_reject),
                cmocka_unit_test(test_findings_cap),
                cmocka_unit_test(test_findings_oom),
                cmocka_unit_test(test_triage_add_evidence),
                cmocka_unit_test(test_budget),
                cmocka_unit_test(test_check_table),
                cmocka_unit_test(test_interpreters),
                cmocka_unit_test_setup_teardown(test_kthread_masquerade, setup, teardown),
                cmocka_unit_test_setup_teardown(test_root_from_user, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

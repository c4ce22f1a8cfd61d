/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-btf.c - hvs_btf (btf.c) on BTF built in the test with libbpf's
 * writer: nested and anonymous structs and unions, typedefs, modifiers,
 * bitfields, hostile nesting.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <hvscope/limits.h>
#include <hvscope/types.h>
#include "util/util.h"
#include "btf-fixture.h"

/* The fixture with its over-deep nesting, as raw BTF (malloc'd). */
static void *build_blob(uint32_t *ret_len) {
        struct btf *b = fixture_btf(FIXTURE_DEEP);
        uint32_t len;
        const void *raw = btf__raw_data(b, &len);
        void *copy = malloc(len);
        memcpy(copy, raw, len);
        btf__free(b);
        *ret_len = len;
        return copy;
}

static int setup(void **state) {
        uint32_t len;
        void *blob = build_blob(&len);
        hvs_btf *b;
        if (hvs_btf_parse(blob, len, NULL, &b) < 0)
                return -1;
        free(blob);     /* the parsed copy is independent */
        *state = b;
        return 0;
}
static int teardown(void **state) {
        hvs_btf_free(*state);
        return 0;
}

static void expect_field(const hvs_btf *b, const char *type, const char *path, uint32_t off, uint32_t size) {
        uint32_t o = 0xdead, s = 0xdead;
        int r = hvs_btf_field(b, type, path, &o, &s);
        if (r != 0)
                fail_msg("%s.%s: %d", type, path, r);
        if (o != off || s != size)
                fail_msg("%s.%s: off %u size %u, expected %u %u", type, path, o, s, off, size);
}

static void test_fields(void **state) {
        const hvs_btf *b = *state;
        expect_field(b, "task_struct", "__state", 0, 8);
        expect_field(b, "task_struct", "pid", 12, 4);
        expect_field(b, "task_struct", "comm", 16, 16);
        expect_field(b, "task_struct", "cred", 32, 8);
        expect_field(b, "task_struct", "tasks", 40, 16);
        expect_field(b, "task_struct", "tasks.prev", 48, 8);
        expect_field(b, "list_head", "next", 0, 8);
        expect_field(b, "cred", "uid", 4, 4);
        expect_field(b, "cred", "uid.val", 4, 4);
        expect_field(b, "cred", "euid.val", 8, 4);              /* through const volatile typedef */
}

static void test_anonymous(void **state) {
        const hvs_btf *b = *state;
        expect_field(b, "mm_struct", "arg_start", 16, 8);       /* in an anonymous struct */
        expect_field(b, "mm_struct", "pgd", 8, 8);              /* anonymous union in anonymous struct */
        expect_field(b, "mm_struct", "pgd_alias", 8, 8);
        expect_field(b, "mm_struct", "tail", 24, 8);
        expect_field(b, "mm_t", "arg_start", 16, 8);            /* typedef name */
        expect_field(b, "task_struct", "mm_embedded.pgd", 56 + 8, 8);
        expect_field(b, "task_struct", "u_a", 88, 4);
        expect_field(b, "task_struct", "u_deep2", 92, 4);
        expect_field(b, "task_struct", "real_cred.uid.val", 96 + 4, 4);
        expect_field(b, "un", "l", 0, 8);
}

static void test_errors(void **state) {
        const hvs_btf *b = *state;
        uint32_t off = 77, size = 77;
        assert_int_equal(hvs_btf_field(b, "task_struct", "flags", &off, &size), -EOPNOTSUPP);
        assert_int_equal(hvs_btf_field(b, "task_struct", "ptrace", &off, &size), -EOPNOTSUPP);
        assert_int_equal(hvs_btf_field(b, "task_struct", "nope", &off, &size), -ENOENT);
        assert_int_equal(hvs_btf_field(b, "no_such_struct", "pid", &off, &size), -ENOENT);
        assert_int_equal(hvs_btf_field(b, "task_struct", "cred.uid", &off, &size), -ENOENT);  /* crosses a pointer */
        assert_int_equal(hvs_btf_field(b, "task_struct", "pid.x", &off, &size), -ENOENT);
        assert_int_equal(hvs_btf_field(b, "task_struct", "", &off, &size), -ENOENT);
        assert_int_equal(hvs_btf_field(b, "task_struct", "tasks.", &off, &size), -ENOENT);
        assert_int_equal(hvs_btf_field(b, "task_struct", ".pid", &off, &size), -ENOENT);
        assert_int_equal(hvs_btf_field(b, "int", "x", &off, &size), -ENOENT);             /* not a struct */
        assert_int_equal(hvs_btf_field(b, "deep", "bottom", &off, &size), -EBADMSG);       /* too deep */
        assert_int_equal(off, 77);
        assert_int_equal(size, 77);
        /* Size is optional. */
        assert_int_equal(hvs_btf_field(b, "task_struct", "pid", &off, NULL), 0);
        assert_int_equal(off, 12);
}

static void test_type_size(void **state) {
        const hvs_btf *b = *state;
        uint32_t size = 0;
        assert_int_equal(hvs_btf_type_size(b, "task_struct", &size), 0);
        assert_int_equal(size, 112);
        assert_int_equal(hvs_btf_type_size(b, "kuid_t", &size), 0);
        assert_int_equal(size, 4);
        assert_int_equal(hvs_btf_type_size(b, "mm_t", &size), 0);
        assert_int_equal(size, 32);
        size = 5;
        assert_int_equal(hvs_btf_type_size(b, "nothing", &size), -ENOENT);
        assert_int_equal(size, 5);
        assert_true(hvs_btf_ntypes(b) > 30);
        size_t len = 0;
        const uint8_t *raw = hvs_btf_raw(b, &len);
        assert_non_null(raw);
        assert_true(len > 24);
        assert_int_equal(raw[0], 0x9f);
        assert_int_equal(raw[1], 0xeb);
}

static void test_parse_rejects(void **state) {
        uint32_t len;
        uint8_t *blob = build_blob(&len);
        hvs_btf *b = (hvs_btf *)0x1;
        hvs_diag d = { 0 };
        static const uint8_t junk[64] = { 1, 2, 3 };
        assert_int_equal(hvs_btf_parse(junk, sizeof junk, &d, &b), -EBADMSG);
        assert_non_null(strstr(d.msg, "magic"));
        assert_int_equal(hvs_btf_parse(blob, 10, &d, &b), -EBADMSG);                  /* shorter than a header */
        assert_int_equal(hvs_btf_parse(blob, len - 7, &d, &b), -EBADMSG);             /* truncated */
        assert_int_equal(hvs_btf_parse(blob, (size_t)HVS_MAX_BTF_BYTES + 1, &d, &b), -EBADMSG);   /* never read */
        uint8_t *bad = malloc(len);
        memcpy(bad, blob, len);
        bad[8] = 0xff;  /* type_off */
        bad[9] = 0xff;
        assert_int_equal(hvs_btf_parse(bad, len, &d, &b), -EBADMSG);
        assert_ptr_equal(b, (hvs_btf *)0x1);
        free(bad);
        free(blob);
}

static void test_load_file(void **state) {
        uint32_t len;
        void *blob = build_blob(&len);
        char path[] = "/tmp/hvs-test-btf-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, blob, len), (ssize_t)len);
        close(fd);
        hvs_btf *b = NULL;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_btf_load_file(path, &d, &b), 0);
        expect_field(b, "mm_struct", "arg_start", 16, 8);
        hvs_btf_free(b);
        unlink(path);
        free(blob);
        assert_int_equal(hvs_btf_load_file("/nonexistent/btf", &d, &b), -ENOENT);
        /* An ELF without .BTF: this test program. */
        assert_int_equal(hvs_btf_load_file("/proc/self/exe", &d, &b), -ENOENT);
        assert_non_null(strstr(d.msg, ".BTF"));
}

static void test_alloc_failures(void **state) {
        uint32_t len;
        void *blob = build_blob(&len);
        for (unsigned n = 0;; n++) {
                hvs_btf *b = NULL;
                hvs_test_fail_alloc_after(n);
                int r = hvs_btf_parse(blob, len, NULL, &b);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (r == 0) {
                        hvs_btf_free(b);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
        }
        free(blob);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_anonymous, setup, teardown),
                cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_type_size, setup, teardown),
                cmocka_unit_test(test_parse_rejects),
                cmocka_unit_test(test_load_file),
                cmocka_unit_test(test_alloc_failures),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

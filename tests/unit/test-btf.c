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

/*
 * The types, in C:
 *
 *   typedef struct { unsigned int val; } kuid_t;
 *   struct list_head { struct list_head *next, *prev; };
 *   struct cred { int usage; kuid_t uid; const volatile kuid_t euid; };
 *   struct mm_struct {
 *           struct { long start; union { long pgd; long pgd_alias; }; long arg_start; };   // anonymous
 *           long tail;
 *   };
 *   typedef struct mm_struct mm_t;
 *   struct task_struct {
 *           volatile long __state;             // 0
 *           unsigned int flags:3, ptrace:5;    // 8 (bitfields)
 *           int pid;                           // 12
 *           char comm[16];                     // 16
 *           const struct cred *cred;           // 32
 *           struct list_head tasks;            // 40
 *           mm_t mm_embedded;                  // 56
 *           union { int u_a; struct { int u_deep; int u_deep2; }; };   // 88
 *           struct cred real_cred;             // 96
 *   };                                         // 112
 *   union un { int i; long l; };
 */
static void *build_blob(uint32_t *ret_len) {
        struct btf *b = btf__new_empty();
        assert_non_null(b);
        int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
        int t_uint = btf__add_int(b, "unsigned int", 4, 0);
        int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
        int t_char = btf__add_int(b, "char", 1, BTF_INT_CHAR);

        int anon_uid = btf__add_struct(b, NULL, 4);
        btf__add_field(b, "val", t_uint, 0, 0);
        int t_kuid = btf__add_typedef(b, "kuid_t", anon_uid);

        int t_lhp = btf__add_ptr(b, btf__add_fwd(b, "list_head", BTF_FWD_STRUCT));
        int t_lh = btf__add_struct(b, "list_head", 16);
        btf__add_field(b, "next", t_lhp, 0, 0);
        btf__add_field(b, "prev", t_lhp, 64, 0);

        int t_cvkuid = btf__add_const(b, btf__add_volatile(b, t_kuid));
        int t_cred = btf__add_struct(b, "cred", 12);
        btf__add_field(b, "usage", t_int, 0, 0);
        btf__add_field(b, "uid", t_kuid, 32, 0);
        btf__add_field(b, "euid", t_cvkuid, 64, 0);

        int anon_pgd = btf__add_union(b, NULL, 8);
        btf__add_field(b, "pgd", t_long, 0, 0);
        btf__add_field(b, "pgd_alias", t_long, 0, 0);
        int anon_mm = btf__add_struct(b, NULL, 24);
        btf__add_field(b, "start", t_long, 0, 0);
        btf__add_field(b, NULL, anon_pgd, 64, 0);
        btf__add_field(b, "arg_start", t_long, 128, 0);
        int t_mm = btf__add_struct(b, "mm_struct", 32);
        btf__add_field(b, NULL, anon_mm, 0, 0);
        btf__add_field(b, "tail", t_long, 192, 0);
        int t_mmt = btf__add_typedef(b, "mm_t", t_mm);

        int t_comm = btf__add_array(b, t_int, t_char, 16);
        int t_ccredp = btf__add_ptr(b, btf__add_const(b, t_cred));
        int anon_deep = btf__add_struct(b, NULL, 8);
        btf__add_field(b, "u_deep", t_int, 0, 0);
        btf__add_field(b, "u_deep2", t_int, 32, 0);
        int anon_u = btf__add_union(b, NULL, 8);
        btf__add_field(b, "u_a", t_int, 0, 0);
        btf__add_field(b, NULL, anon_deep, 0, 0);

        /* Fields must directly follow their struct: referenced types first. */
        int t_vlong = btf__add_volatile(b, t_long);
        int t_task = btf__add_struct(b, "task_struct", 112);
        btf__add_field(b, "__state", t_vlong, 0, 0);
        btf__add_field(b, "flags", t_uint, 64, 3);
        btf__add_field(b, "ptrace", t_uint, 67, 5);
        btf__add_field(b, "pid", t_int, 96, 0);
        btf__add_field(b, "comm", t_comm, 128, 0);
        btf__add_field(b, "cred", t_ccredp, 256, 0);
        btf__add_field(b, "tasks", t_lh, 320, 0);
        btf__add_field(b, "mm_embedded", t_mmt, 448, 0);
        btf__add_field(b, NULL, anon_u, 704, 0);
        btf__add_field(b, "real_cred", t_cred, 768, 0);
        assert_true(t_task > 0);

        int t_un = btf__add_union(b, "un", 8);
        btf__add_field(b, "i", t_int, 0, 0);
        btf__add_field(b, "l", t_long, 0, 0);
        assert_true(t_un > 0);

        /* 20 anonymous structs nested: deeper than HVS_MAX_TYPE_DEPTH. */
        int inner = btf__add_struct(b, NULL, 4);
        btf__add_field(b, "bottom", t_int, 0, 0);
        for (int i = 0; i < 20; i++) {
                int outer = btf__add_struct(b, NULL, 4);
                btf__add_field(b, NULL, inner, 0, 0);
                inner = outer;
        }
        btf__add_struct(b, "deep", 4);
        btf__add_field(b, NULL, inner, 0, 0);

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

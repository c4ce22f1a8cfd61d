/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-isf.c - Volatility 3 ISF files (isf.c, isf-export.c): a hand-written
 * ISF with nested and anonymous members, arrays, pointers, bitfields,
 * unions, enums and typed symbols; broken and hostile files; limits; xz
 * and gzip files; the profile typed by an ISF; and a round trip: an ISF
 * written from BTF built here, read back, compared field by field with the
 * BTF.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>
#include <bpf/btf.h>
#include <json-c/json.h>
#include <hvscope/limits.h>
#include <hvscope/types.h>
#include "util/util.h"
#include "btf-fixture.h"

#define BANNER "Linux version 6.1.0-test (t) #1"
#define HEAD "{\"metadata\":{\"format\":\"6.2.0\",\"producer\":{\"name\":\"test\",\"version\":\"1.0.0\"},\"linux\":{}},"

/*
 * In C (names as dwarf2json gives anonymous types):
 *   struct list_head { struct list_head *next, *prev; };
 *   typedef struct { unsigned int val; } kuid_t;
 *   struct cred { int usage; kuid_t uid, euid; };
 *   struct mm_struct { struct { long start; union { long pgd, pgd_alias; }; long arg_start; }; long tail; };
 *   struct task_struct {
 *           long __state; unsigned flags:3, ptrace:5; int pid; char comm[16];
 *           struct cred *cred; struct list_head tasks; struct mm_struct mm_embedded;
 *           union { int u_a; struct { int u_deep, u_deep2; }; };
 *           struct cred real_cred;
 *   };                                                       // 112 bytes
 *   struct grid { int m[3][4]; struct ghost *gp; enum pid_type state; struct ghost g; };  // ghost undefined
 *   union un { int i; long l; };
 *   struct loop { struct loop; };                            // hostile: anonymous member of itself
 */
static const char SMALL[] = HEAD
        "\"base_types\":{"
        "\"void\":{\"size\":0,\"signed\":false,\"kind\":\"void\",\"endian\":\"little\"},"
        "\"int\":{\"size\":4,\"signed\":true,\"kind\":\"int\",\"endian\":\"little\"},"
        "\"unsigned int\":{\"size\":4,\"signed\":false,\"kind\":\"int\",\"endian\":\"little\"},"
        "\"long\":{\"size\":8,\"signed\":true,\"kind\":\"int\",\"endian\":\"little\"},"
        "\"char\":{\"size\":1,\"signed\":true,\"kind\":\"char\",\"endian\":\"little\"},"
        "\"pointer\":{\"size\":8,\"signed\":false,\"kind\":\"int\",\"endian\":\"little\"}},\n"
        "\"user_types\":{"
        "\"list_head\":{\"kind\":\"struct\",\"size\":16,\"fields\":{"
        "  \"next\":{\"type\":{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"struct\",\"name\":\"list_head\"}},\"offset\":0},"
        "  \"prev\":{\"type\":{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"struct\",\"name\":\"list_head\"}},\"offset\":8}}},\n"
        "\"kuid_t\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"val\":{\"type\":{\"kind\":\"base\",\"name\":\"unsigned int\"},\"offset\":0}}},\n"
        "\"cred\":{\"kind\":\"struct\",\"size\":12,\"fields\":{"
        "  \"usage\":{\"type\":{\"kind\":\"base\",\"name\":\"int\"},\"offset\":0},"
        "  \"uid\":{\"type\":{\"kind\":\"struct\",\"name\":\"kuid_t\"},\"offset\":4},"
        "  \"euid\":{\"type\":{\"kind\":\"struct\",\"name\":\"kuid_t\"},\"offset\":8}}},\n"
        "\"unnamed_u1\":{\"kind\":\"union\",\"size\":8,\"fields\":{"
        "  \"pgd\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":0},"
        "  \"pgd_alias\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":0}}},\n"
        "\"unnamed_s1\":{\"kind\":\"struct\",\"size\":24,\"fields\":{"
        "  \"start\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":0},"
        "  \"unnamed_field_8\":{\"type\":{\"kind\":\"union\",\"name\":\"unnamed_u1\"},\"offset\":8,\"anonymous\":true},"
        "  \"arg_start\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":16}}},\n"
        "\"mm_struct\":{\"kind\":\"struct\",\"size\":32,\"fields\":{"
        "  \"unnamed_field_0\":{\"type\":{\"kind\":\"struct\",\"name\":\"unnamed_s1\"},\"offset\":0,\"anonymous\":true},"
        "  \"tail\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":24}}},\n"
        "\"unnamed_s2\":{\"kind\":\"struct\",\"size\":8,\"fields\":{"
        "  \"u_deep\":{\"type\":{\"kind\":\"base\",\"name\":\"int\"},\"offset\":0},"
        "  \"u_deep2\":{\"type\":{\"kind\":\"base\",\"name\":\"int\"},\"offset\":4}}},\n"
        "\"unnamed_u2\":{\"kind\":\"union\",\"size\":8,\"fields\":{"
        "  \"u_a\":{\"type\":{\"kind\":\"base\",\"name\":\"int\"},\"offset\":0},"
        "  \"unnamed_field_0\":{\"type\":{\"kind\":\"struct\",\"name\":\"unnamed_s2\"},\"offset\":0,\"anonymous\":true}}},\n"
        "\"task_struct\":{\"kind\":\"struct\",\"size\":112,\"fields\":{"
        "  \"__state\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":0},"
        "  \"flags\":{\"type\":{\"kind\":\"bitfield\",\"bit_position\":0,\"bit_length\":3,\"type\":{\"kind\":\"base\",\"name\":\"unsigned int\"}},\"offset\":8},"
        "  \"ptrace\":{\"type\":{\"kind\":\"bitfield\",\"bit_position\":3,\"bit_length\":5,\"type\":{\"kind\":\"base\",\"name\":\"unsigned int\"}},\"offset\":8},"
        "  \"pid\":{\"type\":{\"kind\":\"base\",\"name\":\"int\"},\"offset\":12},"
        "  \"comm\":{\"type\":{\"kind\":\"array\",\"count\":16,\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}},\"offset\":16},"
        "  \"cred\":{\"type\":{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"struct\",\"name\":\"cred\"}},\"offset\":32},"
        "  \"tasks\":{\"type\":{\"kind\":\"struct\",\"name\":\"list_head\"},\"offset\":40},"
        "  \"mm_embedded\":{\"type\":{\"kind\":\"struct\",\"name\":\"mm_struct\"},\"offset\":56},"
        "  \"unnamed_field_58\":{\"type\":{\"kind\":\"union\",\"name\":\"unnamed_u2\"},\"offset\":88,\"anonymous\":true},"
        "  \"real_cred\":{\"type\":{\"kind\":\"struct\",\"name\":\"cred\"},\"offset\":96}}},\n"
        "\"grid\":{\"kind\":\"struct\",\"size\":64,\"fields\":{"
        "  \"m\":{\"type\":{\"kind\":\"array\",\"count\":3,\"subtype\":{\"kind\":\"array\",\"count\":4,\"subtype\":{\"kind\":\"base\",\"name\":\"int\"}}},\"offset\":0},"
        "  \"gp\":{\"type\":{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"struct\",\"name\":\"ghost\"}},\"offset\":48},"
        "  \"state\":{\"type\":{\"kind\":\"enum\",\"name\":\"pid_type\"},\"offset\":56},"
        "  \"fn\":{\"type\":{\"kind\":\"pointer\",\"subtype\":{\"kind\":\"function\"}},\"offset\":56},"
        "  \"g\":{\"type\":{\"kind\":\"struct\",\"name\":\"ghost\"},\"offset\":60}}},\n"
        "\"un\":{\"kind\":\"union\",\"size\":8,\"fields\":{"
        "  \"i\":{\"type\":{\"kind\":\"base\",\"name\":\"int\"},\"offset\":0},"
        "  \"l\":{\"type\":{\"kind\":\"base\",\"name\":\"long\"},\"offset\":0}}},\n"
        "\"loop\":{\"kind\":\"struct\",\"size\":4,\"fields\":{"
        "  \"unnamed_field_0\":{\"type\":{\"kind\":\"struct\",\"name\":\"loop\"},\"offset\":0,\"anonymous\":true}}}},\n"
        "\"enums\":{\"pid_type\":{\"size\":4,\"base\":\"unsigned int\",\"constants\":{\"PIDTYPE_PID\":0,\"PIDTYPE_TGID\":1,\"PIDTYPE_MAX\":4}}},\n"
        "\"symbols\":{"
        "\"_text\":{\"address\":18446744071578845184,\"type\":{\"kind\":\"base\",\"name\":\"void\"}},"
        "\"init_task\":{\"address\":18446744071606159680,\"type\":{\"kind\":\"struct\",\"name\":\"task_struct\"}},"
        "\"tk_core\":{\"address\":18446744071606163456,\"type\":{\"kind\":\"struct\",\"name\":\"unnamed_s2\"}},"
        "\"untyped\":{\"address\":5},"
        "\"linux_banner\":{\"address\":18446744071595622656,\"type\":{\"kind\":\"array\",\"count\":33,"
        "\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}},\"constant_data\":\"TGludXggdmVyc2lvbiA2LjEuMC10ZXN0ICh0KSAjMQoA\"}}}\n";

static hvs_isf *parse_ok(const char *text) {
        hvs_isf *isf = NULL;
        hvs_diag d = { 0 };
        int r = hvs_isf_parse(text, strlen(text), &d, &isf);
        if (r != 0)
                fail_msg("parse: %d %s", r, d.msg);
        return isf;
}

static int setup(void **state) {
        *state = parse_ok(SMALL);
        return 0;
}

static int teardown(void **state) {
        hvs_isf_free(*state);
        return 0;
}

static void expect_field(const hvs_isf *isf, const char *type, const char *path, uint32_t off, uint32_t size) {
        uint32_t o = 0xdead, s = 0xdead;
        int r = hvs_isf_field(isf, type, path, &o, &s);
        if (r != 0)
                fail_msg("%s.%s: %d", type, path, r);
        if (o != off || s != size)
                fail_msg("%s.%s: off %u size %u, expected %u %u", type, path, o, s, off, size);
}

static void test_fields(void **state) {
        const hvs_isf *isf = *state;
        expect_field(isf, "task_struct", "__state", 0, 8);
        expect_field(isf, "task_struct", "pid", 12, 4);
        expect_field(isf, "task_struct", "comm", 16, 16);
        expect_field(isf, "task_struct", "cred", 32, 8);
        expect_field(isf, "task_struct", "tasks", 40, 16);
        expect_field(isf, "task_struct", "tasks.prev", 48, 8);
        expect_field(isf, "list_head", "next", 0, 8);
        expect_field(isf, "cred", "uid", 4, 4);
        expect_field(isf, "cred", "uid.val", 4, 4);
        expect_field(isf, "cred", "euid.val", 8, 4);
        expect_field(isf, "grid", "m", 0, 48);          /* int[3][4] */
        expect_field(isf, "grid", "gp", 48, 8);         /* pointer to an undefined struct: fine */
        expect_field(isf, "grid", "state", 56, 4);      /* enum */
        expect_field(isf, "grid", "fn", 56, 8);         /* function pointer */
        expect_field(isf, "var:init_task", "pid", 12, 4);
        expect_field(isf, "var:tk_core", "u_deep2", 4, 4);
}

static void test_anonymous(void **state) {
        const hvs_isf *isf = *state;
        expect_field(isf, "mm_struct", "arg_start", 16, 8);     /* in an anonymous struct */
        expect_field(isf, "mm_struct", "pgd", 8, 8);            /* anonymous union in anonymous struct */
        expect_field(isf, "mm_struct", "pgd_alias", 8, 8);
        expect_field(isf, "mm_struct", "tail", 24, 8);
        expect_field(isf, "task_struct", "mm_embedded.pgd", 56 + 8, 8);
        expect_field(isf, "task_struct", "u_a", 88, 4);
        expect_field(isf, "task_struct", "u_deep2", 92, 4);
        expect_field(isf, "task_struct", "real_cred.uid.val", 96 + 4, 4);
        expect_field(isf, "un", "l", 0, 8);
}

static void test_errors(void **state) {
        const hvs_isf *isf = *state;
        uint32_t off = 77, size = 77;
        assert_int_equal(hvs_isf_field(isf, "task_struct", "flags", &off, &size), -EOPNOTSUPP);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "ptrace", &off, &size), -EOPNOTSUPP);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "flags.x", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "nope", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "no_such_struct", "pid", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "cred.uid", &off, &size), -ENOENT);  /* crosses a pointer */
        assert_int_equal(hvs_isf_field(isf, "task_struct", "pid.x", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "tasks.", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "task_struct", ".pid", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "int", "x", &off, &size), -ENOENT);           /* a base type */
        assert_int_equal(hvs_isf_field(isf, "task_struct", "unnamed_field_58", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "var:untyped", "pid", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "var:nothing", "pid", &off, &size), -ENOENT);
        assert_int_equal(hvs_isf_field(isf, "grid", "g", &off, &size), -EBADMSG);         /* undefined type */
        assert_int_equal(hvs_isf_field(isf, "grid", "g.x", &off, &size), -EBADMSG);
        assert_int_equal(hvs_isf_field(isf, "loop", "pid", &off, &size), -EBADMSG);       /* bounded, not a hang */
        assert_int_equal(off, 77);
        assert_int_equal(size, 77);
        assert_int_equal(hvs_isf_field(isf, "task_struct", "pid", &off, NULL), 0);
        assert_int_equal(off, 12);
}

static void test_sizes_symbols_banner(void **state) {
        const hvs_isf *isf = *state;
        uint32_t size = 0;
        assert_int_equal(hvs_isf_type_size(isf, "task_struct", &size), 0);
        assert_int_equal(size, 112);
        assert_int_equal(hvs_isf_type_size(isf, "kuid_t", &size), 0);
        assert_int_equal(size, 4);
        assert_int_equal(hvs_isf_type_size(isf, "pid_type", &size), 0);
        assert_int_equal(size, 4);
        assert_int_equal(hvs_isf_type_size(isf, "long", &size), 0);
        assert_int_equal(size, 8);
        size = 5;
        assert_int_equal(hvs_isf_type_size(isf, "nothing", &size), -ENOENT);
        assert_int_equal(size, 5);
        uint64_t a = 0;
        assert_int_equal(hvs_isf_symbol(isf, "init_task", &a), 0);
        assert_true(a == 0xffffffff82a0c940ull);
        assert_int_equal(hvs_isf_symbol(isf, "untyped", &a), 0);
        assert_true(a == 5);
        assert_int_equal(hvs_isf_symbol(isf, "nothing", &a), -ENOENT);
        assert_string_equal(hvs_isf_banner(isf), BANNER);
        assert_int_equal(hvs_isf_ntypes(isf), 12);
        assert_int_equal(hvs_isf_nsymbols(isf), 5);
}

/* An ISF with the given sections (NULL = empty object). */
static char *with(const char *base, const char *user, const char *enums, const char *syms) {
        char *s = NULL;
        assert_true(asprintf(&s, HEAD "\"base_types\":{%s},\"user_types\":{%s},\"enums\":{%s},\"symbols\":{%s}}",
                             base ? base : "", user ? user : "", enums ? enums : "", syms ? syms : "") > 0);
        return s;
}

static void expect_bad(const char *text, int err, const char *msg_part) {
        hvs_isf *isf = (hvs_isf *)0x1;
        hvs_diag d = { 0 };
        int r = hvs_isf_parse(text, strlen(text), &d, &isf);
        if (r != err)
                fail_msg("expected %d, got %d (%s) for: %.200s", err, r, d.msg, text);
        assert_ptr_equal(isf, (hvs_isf *)0x1);
        if (msg_part && !strstr(d.msg, msg_part))
                fail_msg("message '%s' lacks '%s'", d.msg, msg_part);
}

static void expect_bad_owned(char *text, int err, const char *msg_part) {
        expect_bad(text, err, msg_part);
        free(text);
}

static void test_bad_files(void **state) {
        expect_bad("", -EBADMSG, "not a JSON object");
        expect_bad("[]", -EBADMSG, NULL);
        expect_bad("{", -EBADMSG, NULL);
        expect_bad("not json", -EBADMSG, NULL);
        expect_bad(HEAD "\"base_types\":{},\"user_types\":{},\"enums\":{}}", -EBADMSG, "no 'symbols'");
        expect_bad(HEAD "\"base_types\":{},\"base_types\":{},\"user_types\":{},\"enums\":{},\"symbols\":{}}", -EBADMSG,
                   "twice");
        expect_bad(HEAD "\"base_types\":{},\"user_types\":{},\"enums\":{},\"symbols\":{},\"extra\":{}}", -EBADMSG,
                   "unknown section");
        expect_bad(HEAD "\"base_types\":{},\"user_types\":{},\"enums\":{},\"symbols\":{}} trailing", -EBADMSG,
                   "after the end");
        expect_bad(HEAD "\"base_types\":{},\"user_types\":[],\"enums\":{},\"symbols\":{}}", -EBADMSG, NULL);
        expect_bad("{\"metadata\":{\"format\":\"2.0.0\"},\"base_types\":{},\"user_types\":{},\"enums\":{},\"symbols\":{}}",
                   -EOPNOTSUPP, "format 2.0.0");
        expect_bad("{\"metadata\":{\"format\":\"6.2.0\",\"windows\":{}},\"base_types\":{},\"user_types\":{},\"enums\":{},"
                   "\"symbols\":{}}",
                   -EOPNOTSUPP, "not a Linux ISF");
        expect_bad("{\"metadata\":{\"format\":\"six\"},\"base_types\":{},\"user_types\":{},\"enums\":{},\"symbols\":{}}",
                   -EBADMSG, "MAJOR.MINOR.PATCH");
        expect_bad("{\"metadata\":{},\"base_types\":{},\"user_types\":{},\"enums\":{},\"symbols\":{}}", -EBADMSG,
                   "no format");
        /* Entries. */
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{}},\"a\":{\"kind\":\"struct\","
                                    "\"size\":4,\"fields\":{}}", NULL, NULL), -EBADMSG, "defined twice");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"typedef\",\"size\":4,\"fields\":{}}", NULL, NULL), -EBADMSG,
                         "kind");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":-4,\"fields\":{}}", NULL, NULL), -EBADMSG,
                         "size");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":99999999999,\"fields\":{}}", NULL, NULL), -EBADMSG,
                         "size");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4}", NULL, NULL), -EBADMSG, "no fields");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"base\","
                                    "\"name\":\"int\"},\"offset\":-1}}}", NULL, NULL), -EBADMSG, "offset");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"weird\"},"
                                    "\"offset\":0}}}", NULL, NULL), -EBADMSG, "unknown type kind");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"pointer\"},"
                                    "\"offset\":0}}}", NULL, NULL), -EBADMSG, "subtype");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"bitfield\","
                                    "\"bit_position\":0,\"bit_length\":3,\"type\":{\"kind\":\"struct\",\"name\":\"a\"}},"
                                    "\"offset\":0}}}", NULL, NULL), -EBADMSG, "neither base nor enum");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"bitfield\","
                                    "\"bit_position\":120,\"bit_length\":30,\"type\":{\"kind\":\"base\",\"name\":\"int\"}},"
                                    "\"offset\":0}}}", NULL, NULL), -EBADMSG, "bitfield");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"array\","
                                    "\"count\":1.5,\"subtype\":{\"kind\":\"base\",\"name\":\"int\"}},\"offset\":0}}}", NULL, NULL),
                         -EBADMSG, "count");
        expect_bad_owned(with("\"int\":{\"size\":4,\"signed\":true,\"kind\":\"integer\",\"endian\":\"little\"}", NULL, NULL,
                              NULL), -EBADMSG, "kind");
        expect_bad_owned(with(NULL, NULL, "\"e\":{\"size\":4,\"base\":\"int\",\"constants\":{\"A\":\"x\"}}", NULL), -EBADMSG,
                         "not an integer");
        expect_bad_owned(with(NULL, NULL, NULL, "\"s\":{\"address\":-1}"), -EBADMSG, "address");
        expect_bad_owned(with(NULL, NULL, NULL, "\"s\":{\"address\":1},\"s\":{\"address\":2}"), -EBADMSG, "twice");
        expect_bad_owned(with(NULL, NULL, NULL, "\"linux_banner\":{\"address\":1,\"constant_data\":\"@@@@\"}"), -EBADMSG,
                         "base64");
        expect_bad_owned(with(NULL, NULL, NULL, "\"linux_banner\":{\"address\":1,\"constant_data\":\"RnJlZUJTRCAxNAoA\"}"),
                         -EBADMSG, "not a 'Linux version' banner");
        expect_bad_owned(with(NULL, NULL, NULL, "\"linux_banner\":{\"address\":1,\"constant_data\":"
                                                "\"TGludXggdmVyc2lvbiA2LjEuMC10ZXN0ICh0KSAjMQE=\"}"), -EBADMSG, "byte 0x01");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"base\","
                                    "\"name\":\"int\"},\"offset\":0}}", NULL, NULL), -EBADMSG, NULL);       /* unbalanced */
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"type\":{\"kind\":\"base\","
                                    "\"name\":\"in\nt\"},\"offset\":0}}}", NULL, NULL), -EBADMSG, NULL);    /* raw control byte */
        expect_bad_owned(with(NULL, "\"\":{\"kind\":\"struct\",\"size\":4,\"fields\":{}}", NULL, NULL), -EBADMSG, "empty");
        expect_bad_owned(with(NULL, "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{}} \"b\":{}", NULL, NULL), -EBADMSG,
                         "expected ','");
        expect_bad_owned(with(NULL, "\"a\" {}", NULL, NULL), -EBADMSG, "expected ':'");
}

static void test_names_escapes(void **state) {
        /* A key with escapes is decoded like any JSON string. */
        char *t = with("\"int\":{\"size\":4,\"signed\":true,\"kind\":\"int\",\"endian\":\"little\"}",
                       "\"a\\u0041b\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\\\"y\":{\"type\":{\"kind\":\"base\","
                       "\"name\":\"int\"},\"offset\":0}}}",
                       NULL, NULL);
        hvs_isf *isf = parse_ok(t);
        free(t);
        uint32_t off, size;
        assert_int_equal(hvs_isf_field(isf, "aAb", "x\"y", &off, &size), 0);
        assert_int_equal(size, 4);
        assert_null(hvs_isf_banner(isf));
        hvs_isf_free(isf);
        /* A NUL inside a name is refused. */
        expect_bad_owned(with(NULL, "\"a\\u0000b\":{\"kind\":\"struct\",\"size\":4,\"fields\":{}}", NULL, NULL), -EBADMSG,
                         "NUL");
}

static void test_limits(void **state) {
        /* Bytes: refused before reading. */
        expect_bad("{", -EBADMSG, NULL);
        hvs_isf *isf = (hvs_isf *)0x1;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_isf_parse("{}", (size_t)HVS_MAX_ISF_BYTES + 1, &d, &isf), -EBADMSG);
        assert_non_null(strstr(d.msg, "exceeds"));
        /* A name of HVS_MAX_ISF_NAME bytes. */
        char *name = malloc(HVS_MAX_ISF_NAME + 1);
        memset(name, 'n', HVS_MAX_ISF_NAME);
        name[HVS_MAX_ISF_NAME] = '\0';
        char *s = NULL;
        assert_true(asprintf(&s, "\"%s\":{\"kind\":\"struct\",\"size\":4,\"fields\":{}}", name) > 0);
        expect_bad_owned(with(NULL, s, NULL, NULL), -EBADMSG, "longer than");
        free(s);
        name[HVS_MAX_ISF_NAME - 1] = '\0';      /* one shorter: accepted */
        assert_true(asprintf(&s, "\"%s\":{\"kind\":\"struct\",\"size\":4,\"fields\":{}}", name) > 0);
        char *t = with(NULL, s, NULL, NULL);
        hvs_isf_free(parse_ok(t));
        free(t);
        free(s);
        free(name);
        /* Nesting: a descriptor HVS_MAX_ISF_DEPTH + 4 arrays deep. */
        char deep[4096];
        size_t dl = (size_t)snprintf(deep, sizeof deep,
                                     "\"a\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"x\":{\"offset\":0,\"type\":");
        for (unsigned i = 0; i < HVS_MAX_ISF_DEPTH + 4; i++)
                dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{\"kind\":\"array\",\"count\":1,\"subtype\":");
        dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{\"kind\":\"base\",\"name\":\"int\"}");
        for (unsigned i = 0; i < HVS_MAX_ISF_DEPTH + 4; i++)
                dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "}");
        snprintf(deep + dl, sizeof deep - dl, "}}}");
        assert_true(dl + 3 < sizeof deep);
        expect_bad_owned(with(NULL, deep, NULL, NULL), -EBADMSG, NULL);
        /* Anonymous members nested deeper than HVS_MAX_TYPE_DEPTH: found only within the bound. */
        char *chain = strdup("\"t0\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"bottom\":{\"type\":{\"kind\":\"base\","
                             "\"name\":\"int\"},\"offset\":0}}}");
        for (unsigned i = 1; i <= HVS_MAX_TYPE_DEPTH + 2; i++) {
                char *n = NULL;
                assert_true(asprintf(&n, "%s,\"t%u\":{\"kind\":\"struct\",\"size\":4,\"fields\":{\"unnamed_field_0\":{\"type\":"
                                         "{\"kind\":\"struct\",\"name\":\"t%u\"},\"offset\":0,\"anonymous\":true}}}",
                                     chain, i, i - 1) > 0);
                free(chain);
                chain = n;
        }
        t = with("\"int\":{\"size\":4,\"signed\":true,\"kind\":\"int\",\"endian\":\"little\"}", chain, NULL, NULL);
        isf = parse_ok(t);
        uint32_t off;
        assert_int_equal(hvs_isf_field(isf, "t3", "bottom", &off, NULL), 0);
        assert_int_equal(hvs_isf_field(isf, "t18", "bottom", &off, NULL), -EBADMSG);
        hvs_isf_free(isf);
        free(t);
        free(chain);
}

static void test_alloc_failures(void **state) {
        for (unsigned n = 0;; n++) {
                hvs_isf *isf = NULL;
                hvs_test_fail_alloc_after(n);
                int r = hvs_isf_parse(SMALL, strlen(SMALL), NULL, &isf);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (r == 0) {
                        hvs_isf_free(isf);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
        }
}

/* ---- files ---- */

static char *write_tmp(const void *data, size_t len) {
        char *path = strdup("/tmp/hvs-test-isf-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        close(fd);
        return path;
}

static void expect_load(const char *path, int err) {
        hvs_isf *isf = NULL;
        hvs_diag d = { 0 };
        int r = hvs_isf_load_file(path, &d, &isf);
        if (r != err)
                fail_msg("load %s: %d (%s), expected %d", path, r, d.msg, err);
        if (r == 0) {
                expect_field(isf, "task_struct", "u_deep2", 92, 4);
                assert_string_equal(hvs_isf_banner(isf), BANNER);
                hvs_isf_free(isf);
        } else if (!strstr(d.msg, path)) {
                fail_msg("message '%s' does not name the file", d.msg);
        }
}

static void test_files(void **state) {
        size_t n = strlen(SMALL);
        char *plain = write_tmp(SMALL, n);
        expect_load(plain, 0);

        /* gzip */
        uLongf glen = compressBound(n) + 64;
        uint8_t *gz = malloc(glen);
        z_stream z = { 0 };
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = (Bytef *)SMALL;
        z.avail_in = (uInt)n;
        z.next_out = gz;
        z.avail_out = (uInt)glen;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        glen = z.total_out;
        deflateEnd(&z);
        char *gzp = write_tmp(gz, glen);
        expect_load(gzp, 0);
        char *gzt = write_tmp(gz, glen / 2);    /* truncated */
        expect_load(gzt, -EBADMSG);

        /* xz */
        size_t xcap = lzma_stream_buffer_bound(n), xlen = 0;
        uint8_t *xz = malloc(xcap);
        assert_int_equal(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, (const uint8_t *)SMALL, n, xz, &xlen, xcap),
                         LZMA_OK);
        char *xzp = write_tmp(xz, xlen);
        expect_load(xzp, 0);
        xz[xlen / 2] ^= 0x55;                   /* corrupt */
        char *xzc = write_tmp(xz, xlen);
        expect_load(xzc, -EBADMSG);

        char *junk = write_tmp("\x1f\x8bnot gzip at all", 17);
        expect_load(junk, -EBADMSG);
        hvs_isf *isf = NULL;
        assert_int_equal(hvs_isf_load_file("/nonexistent/isf.json", NULL, &isf), -ENOENT);
        assert_int_equal(hvs_isf_load_file("/tmp", NULL, &isf), -EISDIR);
        char *paths[] = { plain, gzp, gzt, xzp, xzc, junk };
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
                unlink(paths[i]);
                free(paths[i]);
        }
        free(gz);
        free(xz);
}

/* ---- the profile typed by an ISF ---- */

static void test_profile(void **state) {
        hvs_ksyms *k = NULL;
        assert_int_equal(hvs_ksyms_new(&k), 0);
        assert_int_equal(hvs_ksyms_add(k, "_text", 'T', 0xffffffff9a000000ull, false), 0);
        hvs_profile *p = NULL;
        assert_int_equal(hvs_profile_new(BANNER, k, 0xffffffff9a000000ull, NULL, &p), 0);
        assert_false(hvs_profile_has_btf(p));
        assert_int_equal(hvs_profile_set_isf(p, NULL), -EINVAL);
        assert_int_equal(hvs_profile_set_isf(p, parse_ok(SMALL)), 0);
        assert_true(hvs_profile_has_btf(p));
        uint32_t off = 0, size = 0;
        assert_int_equal(hvs_profile_field(p, "task_struct", "u_deep2", &off, &size), 0);
        assert_int_equal(off, 92);
        assert_int_equal(hvs_profile_field(p, "task_struct", "flags", &off, &size), -EOPNOTSUPP);
        assert_int_equal(hvs_profile_field(p, "task_struct", "nope", &off, &size), -ENOENT);
        assert_int_equal(hvs_profile_type_size(p, "cred", &size), 0);
        assert_int_equal(size, 12);
        const hvs_btf *b = NULL;
        assert_int_equal(hvs_profile_btf(p, &b), -EOPNOTSUPP);
        hvs_diag d = { 0 };
        char path[] = "/tmp/hvs-test-isf-prof-XXXXXX";
        int fd = mkstemp(path);
        close(fd);
        unlink(path);
        assert_int_equal(hvs_profile_save(p, path, &d), -EOPNOTSUPP);
        assert_non_null(strstr(d.msg, "ISF"));
        assert_int_equal(access(path, F_OK), -1);       /* nothing written */
        hvs_profile_free(p);
}

/* ---- round trip from BTF ---- */

/* The BTF of test-btf.c with what the writer must handle (btf-fixture.h). */
static struct btf *build_btf(void) {
        return fixture_btf(FIXTURE_WRITER);
}

static hvs_btf *btf_of(struct btf *b) {
        uint32_t len;
        const void *raw = btf__raw_data(b, &len);
        hvs_btf *h = NULL;
        assert_int_equal(hvs_btf_parse(raw, len, NULL, &h), 0);
        return h;
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id) {
        for (int i = 0; i < 32 && id; i++) {
                const struct btf_type *t = btf__type_by_id(btf, id);
                if (!btf_is_mod(t) && !btf_is_typedef(t))
                        return t;
                id = t->type;
        }
        return NULL;
}

static unsigned compare_members(const hvs_btf *hb, const struct btf *btf, const hvs_isf *isf, const char *type,
                                const struct btf_type *t, const char *prefix, int depth) {
        unsigned n = 0;
        const struct btf_member *m = btf_members(t);
        for (uint32_t i = 0; i < btf_vlen(t); i++) {
                const char *name = btf__name_by_offset(btf, m[i].name_off);
                const struct btf_type *mt = skip_mods(btf, m[i].type);
                if (!name || !*name) {
                        if (mt && btf_is_composite(mt) && depth < 8)
                                n += compare_members(hb, btf, isf, type, mt, prefix, depth + 1);
                        continue;
                }
                char path[256];
                snprintf(path, sizeof path, "%s%s", prefix, name);
                uint32_t bo = 1, bs = 1, io = 2, is = 2;
                int rb = hvs_btf_field(hb, type, path, &bo, &bs), ri = hvs_isf_field(isf, type, path, &io, &is);
                if (rb != ri || (rb == 0 && (bo != io || bs != is)))
                        fail_msg("%s.%s: btf %d %u/%u, isf %d %u/%u", type, path, rb, bo, bs, ri, io, is);
                n++;
                if (!*prefix && mt && btf_is_composite(mt) && btf_member_bitfield_size(t, i) == 0) {
                        char pre[256];
                        snprintf(pre, sizeof pre, "%s.", name);
                        n += compare_members(hb, btf, isf, type, mt, pre, depth + 1);
                }
        }
        return n;
}

static json_object *jget(json_object *o, const char *path) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", path);
        for (char *save = NULL, *k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save))
                if (!json_object_object_get_ex(o, k, &o))
                        fail_msg("no %s in the ISF (at '%s')", path, k);
        return o;
}

static void test_round_trip(void **state) {
        struct btf *lb = build_btf();
        hvs_btf *hb = btf_of(lb);
        hvs_ksyms *k = NULL;
        const uint64_t slide = 0x1ec00000;
        assert_int_equal(hvs_ksyms_new(&k), 0);
        assert_int_equal(hvs_ksyms_add(k, "_text", 'T', 0xffffffff81000000ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "init_task", 'D', 0xffffffff82a0c940ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "init_task", 'd', 0xffffffff82b00000ull + slide, false), 0);   /* again */
        assert_int_equal(hvs_ksyms_add(k, "linux_banner", 'R', 0xffffffff82000100ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "runqueues", 'A', 0x2f000, true), 0);
        assert_int_equal(hvs_ksyms_add(k, "fixed_percpu_data", 'A', 0, true), 0);
        assert_int_equal(hvs_ksyms_add(k, "we\"ird\x7f\xc3", 't', 0xffffffff81000010ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "jiffies", 'D', 0xffffffff82a00000ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "nr_cpu_ids", 'D', 0xffffffff82a00040ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "saved_command_line", 'D', 0xffffffff82a00080ull + slide, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "tk_core", 'd', 0xffffffff82a00100ull + slide, false), 0);

        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        hvs_isf_export_opts o = HVS_OPTS(hvs_isf_export_opts, .banner = BANNER, .kaslr_slide = (int64_t)slide);
        hvs_isf_export_stats st = { 0 };
        hvs_diag d = { 0 };
        int r = hvs_isf_write(hb, k, &o, f, &d, &st);
        fclose(f);
        if (r != 0)
                fail_msg("write: %d %s", r, d.msg);
        assert_int_equal(st.bytes, len);
        assert_int_equal(st.symbols, 10);
        assert_true(st.typed_symbols >= 7);

        /* Read back: every member of every named struct/union as BTF says. */
        hvs_isf *isf = parse_ok(buf);
        unsigned compared = 0;
        for (uint32_t id = 1; id < btf__type_cnt(lb); id++) {
                const struct btf_type *t = btf__type_by_id(lb, id);
                const char *n = btf__name_by_offset(lb, t->name_off);
                if (!btf_is_composite(t) || !n || !*n || btf__find_by_name_kind(lb, n, btf_kind(t)) != (int)id)
                        continue;
                uint32_t bs = 0, is = 0;
                assert_int_equal(hvs_btf_type_size(hb, n, &bs), 0);
                assert_int_equal(hvs_isf_type_size(isf, n, &is), 0);
                assert_int_equal(bs, is);
                compared += compare_members(hb, lb, isf, n, t, "", 0);
        }
        assert_true(compared >= 30);
        expect_field(isf, "var:init_task", "u_deep2", 92, 4);
        expect_field(isf, "var:runqueues", "l", 0, 8);
        assert_string_equal(hvs_isf_banner(isf), BANNER);
        uint64_t a;
        assert_int_equal(hvs_isf_symbol(isf, "_text", &a), 0);
        assert_true(a == 0xffffffff81000000ull);                /* the slide taken off */
        assert_int_equal(hvs_isf_symbol(isf, "init_task", &a), 0);
        assert_true(a == 0xffffffff82a0c940ull);                /* the first of a repeated name */
        assert_int_equal(hvs_isf_symbol(isf, "runqueues", &a), 0);
        assert_true(a == 0x2f000);                              /* absolute: kept */
        hvs_isf_free(isf);

        /* The shape Volatility reads. */
        json_object *j = json_tokener_parse(buf);
        assert_non_null(j);
        assert_string_equal(json_object_get_string(jget(j, "metadata/format")), "6.2.0");
        assert_string_equal(json_object_get_string(jget(j, "metadata/producer/name")), "hvscope");
        assert_true(json_object_is_type(jget(j, "metadata/linux/symbols"), json_type_array));
        assert_int_equal(json_object_get_int(jget(j, "base_types/pointer/size")), 8);
        assert_string_equal(json_object_get_string(jget(j, "base_types/void/kind")), "void");
        assert_string_equal(json_object_get_string(jget(j, "base_types/char/kind")), "char");
        assert_string_equal(json_object_get_string(jget(j, "base_types/_Bool/kind")), "bool");
        assert_string_equal(json_object_get_string(jget(j, "base_types/double/kind")), "float");
        assert_true(json_object_get_boolean(jget(j, "base_types/int/signed")));
        assert_false(json_object_get_boolean(jget(j, "base_types/unsigned int/signed")));
        /* Typedef-named anonymous types; the undefined forward declaration as an empty union. */
        assert_int_equal(json_object_get_int(jget(j, "user_types/kuid_t/size")), 4);
        assert_string_equal(json_object_get_string(jget(j, "user_types/pte_t/kind")), "union");
        assert_string_equal(json_object_get_string(jget(j, "user_types/ghost/kind")), "union");
        assert_int_equal(json_object_object_length(jget(j, "user_types/ghost/fields")), 0);
        assert_string_equal(json_object_get_string(jget(j, "enums/neg_t/base")), "int");
        assert_int_equal(json_object_get_int(jget(j, "enums/neg_t/constants/NEG")), -2);
        assert_string_equal(json_object_get_string(jget(j, "enums/pid_type/base")), "unsigned int");
        assert_int_equal(json_object_get_int(jget(j, "enums/pid_type/constants/PIDTYPE_MAX")), 4);
        /* The second 'cred' under another name, the first keeps it. */
        char dup[64];
        assert_int_equal(json_object_get_int(jget(j, "user_types/cred/size")), 12);
        int second = -1;
        for (uint32_t id = 1; id < btf__type_cnt(lb); id++) {
                const struct btf_type *t = btf__type_by_id(lb, id);
                if (btf_is_struct(t) && t->size == 4 && !strcmp(btf__name_by_offset(lb, t->name_off), "cred"))
                        second = (int)id;
        }
        snprintf(dup, sizeof dup, "user_types/cred__%d/fields/other", second);
        jget(j, dup);
        /* Members: anonymous, bitfields (int and enum), typedefs resolved, function pointers, arrays. */
        json_object *fl = jget(j, "user_types/task_struct/fields");
        assert_true(json_object_get_boolean(jget(fl, "unnamed_field_58/anonymous")));
        assert_string_equal(json_object_get_string(jget(fl, "flags/type/kind")), "bitfield");
        assert_int_equal(json_object_get_int(jget(fl, "ptrace/type/bit_position")), 3);
        assert_int_equal(json_object_get_int(jget(fl, "ptrace/type/bit_length")), 5);
        assert_int_equal(json_object_get_int(jget(fl, "ptrace/offset")), 8);
        assert_string_equal(json_object_get_string(jget(fl, "kind/type/type/kind")), "enum");
        assert_int_equal(json_object_get_int(jget(fl, "kind/type/bit_position")), 8);
        assert_string_equal(json_object_get_string(jget(fl, "mm_embedded/type/name")), "mm_struct");
        assert_string_equal(json_object_get_string(jget(fl, "cred/type/subtype/name")), "cred");
        assert_string_equal(json_object_get_string(jget(fl, "fn/type/subtype/kind")), "function");
        assert_int_equal(json_object_get_int(jget(fl, "grid/type/count")), 3);
        assert_int_equal(json_object_get_int(jget(fl, "grid/type/subtype/count")), 4);
        assert_string_equal(json_object_get_string(jget(fl, "__state/type/name")), "long");
        /* Symbols: typed, the banner's bytes, names escaped. */
        assert_string_equal(json_object_get_string(jget(j, "symbols/init_task/type/name")), "task_struct");
        assert_string_equal(json_object_get_string(jget(j, "symbols/runqueues/type/name")), "un");
        assert_string_equal(json_object_get_string(jget(j, "symbols/fixed_percpu_data/type/name")), "void");
        /* Curated types named by several words or with a pointer (Volatility reads these as objects). */
        assert_string_equal(json_object_get_string(jget(j, "symbols/jiffies/type/kind")), "base");
        assert_string_equal(json_object_get_string(jget(j, "symbols/jiffies/type/name")), "long unsigned int");
        assert_string_equal(json_object_get_string(jget(j, "symbols/nr_cpu_ids/type/name")), "unsigned int");
        assert_string_equal(json_object_get_string(jget(j, "symbols/saved_command_line/type/kind")), "pointer");
        assert_string_equal(json_object_get_string(jget(j, "symbols/saved_command_line/type/subtype/name")), "char");
        /* tk_core: its anonymous type made from its members, the timekeeper at 8 (Volatility's creation times). */
        assert_string_equal(json_object_get_string(jget(j, "symbols/tk_core/type/kind")), "struct");
        assert_string_equal(json_object_get_string(jget(j, "symbols/tk_core/type/name")), "unnamed_tk_core");
        json_object *tkc = jget(j, "user_types/unnamed_tk_core");
        assert_string_equal(json_object_get_string(jget(tkc, "kind")), "struct");
        assert_int_equal(json_object_get_int(jget(tkc, "size")), 32);
        assert_string_equal(json_object_get_string(jget(tkc, "fields/seq/type/name")), "seqcount_raw_spinlock");
        assert_int_equal(json_object_get_int(jget(tkc, "fields/seq/offset")), 0);
        assert_string_equal(json_object_get_string(jget(tkc, "fields/timekeeper/type/name")), "timekeeper");
        assert_int_equal(json_object_get_int(jget(tkc, "fields/timekeeper/offset")), 8);
        assert_int_equal(json_object_get_int(jget(j, "symbols/linux_banner/type/count")), (int)strlen(BANNER) + 2);
        assert_string_equal(json_object_get_string(jget(j, "symbols/linux_banner/constant_data")),
                            "TGludXggdmVyc2lvbiA2LjEuMC10ZXN0ICh0KSAjMQoA");
        assert_true(json_object_object_get_ex(jget(j, "symbols"), "we\"ird\x7f\xc3\x83", NULL));
        json_object_put(j);
        free(buf);

        /* Fault injection: every allocation failure is a clean -ENOMEM. */
        for (unsigned n = 0;; n++) {
                char *b2 = NULL;
                size_t l2 = 0;
                FILE *f2 = open_memstream(&b2, &l2);
                hvs_test_fail_alloc_after(n);
                r = hvs_isf_write(hb, k, &o, f2, NULL, NULL);
                hvs_test_fail_alloc_after(UINT_MAX);
                fclose(f2);
                free(b2);
                if (r == 0)
                        break;
                assert_int_equal(r, -ENOMEM);
        }

        /* To a file, atomically. */
        char path[] = "/tmp/hvs-test-isf-out-XXXXXX";
        int fd = mkstemp(path);
        close(fd);
        assert_int_equal(hvs_isf_export(hb, k, &o, path, &d, NULL), 0);
        hvs_isf *back = NULL;
        assert_int_equal(hvs_isf_load_file(path, &d, &back), 0);
        expect_field(back, "mm_struct", "pgd_alias", 8, 8);
        hvs_isf_free(back);
        unlink(path);
        assert_int_equal(hvs_isf_export(hb, k, &o, "/nonexistent/dir/x.json", &d, NULL), -ENOENT);

        hvs_ksyms_free(k);
        hvs_btf_free(hb);
        btf__free(lb);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_anonymous, setup, teardown),
                cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sizes_symbols_banner, setup, teardown),
                cmocka_unit_test(test_bad_files),
                cmocka_unit_test(test_names_escapes),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_alloc_failures),
                cmocka_unit_test(test_files),
                cmocka_unit_test(test_profile),
                cmocka_unit_test(test_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

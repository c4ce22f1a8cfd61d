/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-profile.c - hvs_profile (profile.c): symbols relative to _text,
 * memoized fields, and the cache file: round trip, corruption, another
 * build, truncation, rebasing, lazy loading.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <hvscope/limits.h>
#include <hvscope/types.h>
#include "util/util.h"

#define BANNER "Linux version 6.1.0-56-amd64 (test) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2"
#define TEXT 0xffffffff9a000000ull
#define NSYMS 5000u

struct fx {
        char dir[64];
        char path[128];
};

/* struct task_struct { int pid; struct { long mm; }; unsigned flags:3; }; */
static hvs_btf *make_btf(void) {
        struct btf *b = btf__new_empty();
        int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
        int t_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
        int anon = btf__add_struct(b, NULL, 8);
        btf__add_field(b, "mm", t_long, 0, 0);
        btf__add_struct(b, "task_struct", 24);
        btf__add_field(b, "pid", t_int, 0, 0);
        btf__add_field(b, NULL, anon, 64, 0);
        btf__add_field(b, "flags", t_int, 128, 3);
        /* Padding types, so the BTF spans blocks of its own in a saved file. */
        for (int i = 0; i < 400; i++) {
                char name[32];
                snprintf(name, sizeof name, "pad_type_%d", i);
                btf__add_int(b, name, 4, 0);
        }
        uint32_t len;
        const void *raw = btf__raw_data(b, &len);
        hvs_btf *h = NULL;
        assert_int_equal(hvs_btf_parse(raw, len, NULL, &h), 0);
        btf__free(b);
        return h;
}

static hvs_ksyms *make_syms(uint64_t text) {
        hvs_ksyms *k;
        assert_int_equal(hvs_ksyms_new(&k), 0);
        assert_int_equal(hvs_ksyms_add(k, "fixed_percpu_data", 'A', 0, true), 0);
        assert_int_equal(hvs_ksyms_add(k, "cpu_number", 'A', 0x40, true), 0);
        assert_int_equal(hvs_ksyms_add(k, "_text", 'T', text, false), 0);
        for (unsigned i = 0; i < NSYMS; i++) {
                char name[64];
                snprintf(name, sizeof name, "sym_%u", i);
                assert_int_equal(hvs_ksyms_add(k, name, i % 2 ? 't' : 'D', text + 0x1000 + 16ull * i, false), 0);
        }
        assert_int_equal(hvs_ksyms_add(k, "init_task", 'D', text + 0x1a1aa40, false), 0);
        return k;
}

static hvs_profile *make_profile(bool with_btf) {
        hvs_profile *p = NULL;
        assert_int_equal(hvs_profile_new(BANNER, make_syms(TEXT), TEXT, with_btf ? make_btf() : NULL, &p), 0);
        return p;
}

static int setup(void **state) {
        struct fx *f = calloc(1, sizeof *f);
        snprintf(f->dir, sizeof f->dir, "/tmp/hvs-test-profile-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/sub/dir/p.prof", f->dir);
        *state = f;
        return 0;
}
static int teardown(void **state) {
        struct fx *f = *state;
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        free(f);
        return 0;
}

static void save(const struct fx *f, hvs_profile *p) {
        hvs_diag d = { 0 };
        int r = hvs_profile_save(p, f->path, &d);
        if (r < 0)
                fail_msg("save: %s", d.msg);
}

static size_t file_size(const char *path) {
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        return (size_t)st.st_size;
}

static void patch_byte(const char *path, size_t off, uint8_t x) {
        int fd = open(path, O_RDWR);
        uint8_t b;
        assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
        b ^= x;
        assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
        close(fd);
}

static void test_in_memory(void **state) {
        hvs_profile *p = make_profile(true);
        uint64_t va = 0;
        assert_string_equal(hvs_profile_banner(p), BANNER);
        assert_int_equal(hvs_profile_text(p), TEXT);
        assert_int_equal(hvs_profile_symbol(p, "init_task", &va), 0);
        assert_int_equal(va, TEXT + 0x1a1aa40);
        hvs_profile_set_text(p, TEXT + 0x200000);
        assert_int_equal(hvs_profile_symbol(p, "init_task", &va), 0);
        assert_int_equal(va, TEXT + 0x200000 + 0x1a1aa40);
        assert_int_equal(hvs_profile_symbol(p, "cpu_number", &va), 0);
        assert_int_equal(va, 0x40);                              /* absolute: does not move */
        va = 9;
        assert_int_equal(hvs_profile_symbol(p, "missing", &va), -ENOENT);
        assert_int_equal(va, 9);

        hvs_ksyms *k;
        assert_int_equal(hvs_profile_ksyms(p, &k), 0);
        hvs_ksym s;
        assert_int_equal(hvs_ksyms_find(k, "_text", &s), 0);
        assert_int_equal(s.addr, TEXT + 0x200000);

        uint32_t off = 0, size = 0;
        assert_true(hvs_profile_has_btf(p));
        assert_int_equal(hvs_profile_field(p, "task_struct", "mm", &off, &size), 0);
        assert_int_equal(off, 8);
        assert_int_equal(size, 8);
        assert_int_equal(hvs_profile_field(p, "task_struct", "flags", &off, &size), -EOPNOTSUPP);
        assert_int_equal(hvs_profile_field(p, "task_struct", "nope", &off, &size), -ENOENT);
        assert_int_equal(hvs_profile_type_size(p, "task_struct", &size), 0);
        assert_int_equal(size, 24);
        hvs_profile_free(p);

        /* No types: not memoized means not supported. */
        p = make_profile(false);
        assert_false(hvs_profile_has_btf(p));
        assert_int_equal(hvs_profile_field(p, "task_struct", "pid", &off, NULL), -EOPNOTSUPP);
        assert_int_equal(hvs_profile_set_btf(p, make_btf()), 0);
        assert_int_equal(hvs_profile_field(p, "task_struct", "pid", &off, NULL), 0);
        hvs_profile_free(p);
        assert_int_equal(hvs_profile_new(BANNER, NULL, TEXT, NULL, &p), -EINVAL);
}

static void test_round_trip(void **state) {
        const struct fx *f = *state;
        hvs_profile *p = make_profile(true);
        uint32_t off, size;
        assert_int_equal(hvs_profile_field(p, "task_struct", "mm", &off, &size), 0);
        assert_int_equal(hvs_profile_field(p, "task_struct", "gone", &off, &size), -ENOENT);
        assert_int_equal(hvs_profile_type_size(p, "task_struct", &size), 0);
        save(f, p);
        hvs_profile_free(p);

        hvs_diag d = { 0 };
        assert_int_equal(hvs_profile_load(f->path, BANNER, &d, &p), 0);
        assert_string_equal(hvs_profile_banner(p), BANNER);
        assert_int_equal(hvs_profile_text(p), TEXT);
        assert_true(hvs_profile_has_btf(p));
        uint64_t va;
        assert_int_equal(hvs_profile_symbol(p, "init_task", &va), 0);
        assert_int_equal(va, TEXT + 0x1a1aa40);
        assert_int_equal(hvs_profile_symbol(p, "sym_4321", &va), 0);
        assert_int_equal(va, TEXT + 0x1000 + 16ull * 4321);
        assert_int_equal(hvs_profile_symbol(p, "fixed_percpu_data", &va), 0);
        assert_int_equal(va, 0);
        assert_int_equal(hvs_profile_symbol(p, "sym_99999", &va), -ENOENT);
        assert_int_equal(hvs_profile_field(p, "task_struct", "mm", &off, &size), 0);
        assert_int_equal(off, 8);
        assert_int_equal(hvs_profile_field(p, "task_struct", "gone", &off, &size), -ENOENT);
        assert_int_equal(hvs_profile_type_size(p, "task_struct", &size), 0);
        assert_int_equal(size, 24);
        /* Not memoized: answered from the stored BTF. */
        assert_int_equal(hvs_profile_field(p, "task_struct", "pid", &off, &size), 0);
        assert_int_equal(off, 0);

        hvs_ksyms *k;
        assert_int_equal(hvs_profile_ksyms(p, &k), 0);
        assert_int_equal(hvs_ksyms_count(k), NSYMS + 4);
        hvs_ksym s;
        assert_int_equal(hvs_ksyms_find(k, "sym_17", &s), 0);
        assert_int_equal(s.addr, TEXT + 0x1000 + 16ull * 17);
        assert_int_equal(s.type, 't');
        assert_int_equal(hvs_ksyms_find(k, "cpu_number", &s), 0);
        assert_true(s.absolute);

        /* Saving a loaded profile writes the new memo too. */
        save(f, p);
        hvs_profile_free(p);
        assert_int_equal(hvs_profile_load(f->path, NULL, &d, &p), 0);
        assert_int_equal(hvs_profile_field(p, "task_struct", "pid", &off, &size), 0);
        hvs_profile_free(p);
}

static void test_rebase(void **state) {
        const struct fx *f = *state;
        hvs_profile *p = make_profile(false);
        save(f, p);
        hvs_profile_free(p);
        assert_int_equal(hvs_profile_load(f->path, BANNER, NULL, &p), 0);
        uint64_t other = 0xffffffff81000000ull, va;
        hvs_profile_set_text(p, other);
        assert_int_equal(hvs_profile_text(p), other);
        assert_int_equal(hvs_profile_symbol(p, "_text", &va), 0);
        assert_int_equal(va, other);
        assert_int_equal(hvs_profile_symbol(p, "init_task", &va), 0);
        assert_int_equal(va, other + 0x1a1aa40);
        assert_int_equal(hvs_profile_symbol(p, "cpu_number", &va), 0);
        assert_int_equal(va, 0x40);
        hvs_ksyms *k;
        assert_int_equal(hvs_profile_ksyms(p, &k), 0);
        hvs_ksym s;
        assert_int_equal(hvs_ksyms_find(k, "init_task", &s), 0);
        assert_int_equal(s.addr, other + 0x1a1aa40);
        /* Rebase again after materialising. */
        hvs_profile_set_text(p, TEXT);
        assert_int_equal(hvs_profile_ksyms(p, &k), 0);
        assert_int_equal(hvs_ksyms_find(k, "init_task", &s), 0);
        assert_int_equal(s.addr, TEXT + 0x1a1aa40);
        assert_string_equal(hvs_ksyms_get(k, 0)->name, "fixed_percpu_data");
        assert_int_equal(hvs_profile_symbol(p, "init_task", &va), 0);
        assert_int_equal(va, TEXT + 0x1a1aa40);
        hvs_profile_free(p);
}

static void test_stale_and_missing(void **state) {
        const struct fx *f = *state;
        hvs_profile *p = make_profile(false), *q = (hvs_profile *)0x1;
        save(f, p);
        hvs_profile_free(p);
        hvs_diag d = { 0 };
        assert_int_equal(hvs_profile_load(f->path, "Linux version 6.12.0 other", &d, &q), -ESTALE);
        assert_ptr_equal(q, (hvs_profile *)0x1);
        assert_true(d.msg[0] != '\0');
        char missing[200];
        snprintf(missing, sizeof missing, "%s/none.prof", f->dir);
        assert_int_equal(hvs_profile_load(missing, NULL, &d, &q), -ENOENT);
}

static void test_corrupt(void **state) {
        const struct fx *f = *state;
        hvs_profile *p = make_profile(true);
        uint32_t off;
        assert_int_equal(hvs_profile_field(p, "task_struct", "mm", &off, NULL), 0);
        save(f, p);
        hvs_profile_free(p);
        size_t len = file_size(f->path);
        hvs_diag d = { 0 };

        /* Header bytes, the digest table, the banner: refused at load. */
        static const size_t at[] = { 0, 9, 20, 33, 60, 200, 300 };
        for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
                patch_byte(f->path, at[i], 0x20);
                p = (hvs_profile *)0x1;
                assert_int_equal(hvs_profile_load(f->path, NULL, &d, &p), -EBADMSG);
                assert_ptr_equal(p, (hvs_profile *)0x1);
                patch_byte(f->path, at[i], 0x20);
        }
        assert_int_equal(hvs_profile_load(f->path, NULL, &d, &p), 0);
        hvs_profile_free(p);

        /* The last byte (in the BTF): the load is lazy, the use fails. */
        patch_byte(f->path, len - 1, 0x01);
        assert_int_equal(hvs_profile_load(f->path, NULL, &d, &p), 0);
        assert_int_equal(hvs_profile_field(p, "task_struct", "mm", &off, NULL), 0);   /* memoized */
        assert_int_equal(hvs_profile_field(p, "task_struct", "pid", &off, NULL), -EBADMSG);
        assert_int_equal(hvs_profile_field(p, "task_struct", "pid", &off, NULL), -EBADMSG);
        hvs_profile_free(p);
        patch_byte(f->path, len - 1, 0x01);

        /* Every byte of a symbol block: the symbols fail, the load does not. */
        p = make_profile(false);
        save(f, p);
        hvs_profile_free(p);
        patch_byte(f->path, file_size(f->path) / 2, 0x80);
        if (hvs_profile_load(f->path, BANNER, &d, &p) < 0)
                fail_msg("load: %s", d.msg);
        hvs_ksyms *k = (hvs_ksyms *)0x1;
        assert_int_equal(hvs_profile_ksyms(p, &k), -EBADMSG);
        assert_ptr_equal(k, (hvs_ksyms *)0x1);
        hvs_profile_free(p);
}

static void test_truncated(void **state) {
        const struct fx *f = *state;
        hvs_profile *p = make_profile(true);
        save(f, p);
        hvs_profile_free(p);
        size_t len = file_size(f->path);
        static const size_t keep[] = { 0, 7, 100, 183, 4096 };
        for (size_t i = 0; i <= ARRAY_SIZE(keep); i++) {
                size_t k = i < ARRAY_SIZE(keep) ? keep[i] : len - 1;
                assert_int_equal(truncate(f->path, (off_t)k), 0);
                hvs_diag d = { 0 };
                assert_int_equal(hvs_profile_load(f->path, NULL, &d, &p), -EBADMSG);
                /* Restore for the next length. */
                hvs_profile *q = make_profile(true);
                save(f, q);
                hvs_profile_free(q);
        }
}

static void test_cache_path(void **state) {
        char buf[512], buf2[512];
        setenv("HVS_CACHE_DIR", "/var/cache/x", 1);
        assert_int_equal(hvs_profile_cache_path(BANNER, buf, sizeof buf), 0);
        assert_int_equal(strncmp(buf, "/var/cache/x/profiles/", 22), 0);
        assert_int_equal(strlen(buf), 22 + 64 + 5);
        assert_string_equal(buf + strlen(buf) - 5, ".prof");
        assert_int_equal(hvs_profile_cache_path(BANNER " ", buf2, sizeof buf2), 0);
        assert_string_not_equal(buf, buf2);
        assert_int_equal(hvs_profile_cache_path(BANNER, buf, 40), -ENAMETOOLONG);
        unsetenv("HVS_CACHE_DIR");
        setenv("XDG_CACHE_HOME", "/xdg", 1);
        assert_int_equal(hvs_profile_cache_path(BANNER, buf, sizeof buf), 0);
        assert_int_equal(strncmp(buf, "/xdg/hvscope/profiles/", 22), 0);
        unsetenv("XDG_CACHE_HOME");
        setenv("HOME", "/home/u", 1);
        assert_int_equal(hvs_profile_cache_path(BANNER, buf, sizeof buf), 0);
        assert_int_equal(strncmp(buf, "/home/u/.cache/hvscope/profiles/", 32), 0);
        /* sha256("abc") */
        setenv("HVS_CACHE_DIR", "/c", 1);
        assert_int_equal(hvs_profile_cache_path("abc", buf, sizeof buf), 0);
        assert_string_equal(buf, "/c/profiles/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.prof");
        unsetenv("HVS_CACHE_DIR");
}

static void test_alloc_failures(void **state) {
        const struct fx *f = *state;
        hvs_profile *p = make_profile(true);
        uint32_t off;
        assert_int_equal(hvs_profile_field(p, "task_struct", "mm", &off, NULL), 0);
        save(f, p);
        hvs_profile_free(p);
        for (unsigned n = 0;; n++) {
                p = NULL;
                hvs_test_fail_alloc_after(n);
                int r = hvs_profile_load(f->path, BANNER, NULL, &p);
                uint64_t va;
                hvs_ksyms *k;
                if (r == 0)
                        r = hvs_profile_symbol(p, "init_task", &va);
                if (r == 0)
                        r = hvs_profile_field(p, "task_struct", "pid", &off, NULL);
                if (r == 0)
                        r = hvs_profile_ksyms(p, &k);
                hvs_test_fail_alloc_after(UINT_MAX);
                hvs_profile_free(p);
                if (r == 0)
                        break;
                assert_int_equal(r, -ENOMEM);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_in_memory),
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rebase, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale_and_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
                cmocka_unit_test(test_cache_path),
                cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

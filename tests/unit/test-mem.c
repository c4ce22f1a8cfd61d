/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mem.c - the hvs_mem core, the buffer backend, custom backends through
 * sys/backend.h, and the raw file backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hvscope/mem.h>
#include <hvscope/limits.h>
#include <hvscope/sys/backend.h>
#include "util/util.h"

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 7 + 3); }

static void fill(uint8_t *b, size_t n, uint64_t seed) {
        for (size_t i = 0; i < n; i++)
                b[i] = pattern(seed + i);
}

/* ---- buffer backend ---- */

static void test_buffer_zero_len_rejected(void **state) {
        uint8_t b[16] = { 0 };
        hvs_mem *m = (hvs_mem *)0x1;
        assert_int_equal(hvs_mem_open_buffer(b, 0, &m), -EINVAL);
        assert_ptr_equal(m, (hvs_mem *)0x1);    /* untouched on failure */
        assert_int_equal(hvs_mem_open_buffer(NULL, 16, &m), -EINVAL);
}

static void test_buffer_read_basic(void **state) {
        uint8_t b[4096];
        fill(b, sizeof b, 0);
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer(b, sizeof b, &m), 0);
        uint8_t out[100];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(100), out, sizeof out), 0);
        assert_memory_equal(out, b + 100, sizeof out);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(4096 - 100), out, 100), 0);   /* last byte */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(4096 - 99), out, 100), -EFAULT);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(4096), out, 1), -EFAULT);
        assert_int_equal(hvs_mem_size(m), 4096);
        const hvs_mem_info *info = hvs_mem_get_info(m);
        assert_int_equal(info->kind, HVS_MEM_BUFFER);
        assert_string_equal(info->source, "");
        size_t n;
        const hvs_mem_range *r = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].gpa, 0);
        assert_int_equal(r[0].size, 4096);
        assert_null(hvs_mem_close(m));
}

static void test_read_zero_length(void **state) {
        uint8_t b[16] = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer(b, sizeof b, &m), 0);
        /* Reading nothing touches no byte: success wherever it "is". */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0), NULL, 0), 0);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(1ull << 40), NULL, 0), 0);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(UINT64_MAX), NULL, 0), 0);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0), NULL, 1), -EINVAL);
        hvs_mem_close(m);
}

static void test_read_overflow_at_uint64_max(void **state) {
        uint8_t b[64];
        fill(b, sizeof b, 1);
        hvs_mem_range r[] = { { .gpa = UINT64_MAX - 63 - 64, .size = 64 } };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, r, 1, &m), 0);
        uint8_t out[8];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(UINT64_MAX - 63 - 64), out, 8), 0);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(UINT64_MAX), out, 1), -EFAULT);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(UINT64_MAX - 3), out, 8), -EFAULT);   /* wraps */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(UINT64_MAX - 70), out, SIZE_MAX), -EFAULT);
        hvs_mem_close(m);
        /* A range whose end is 2^64 cannot be represented: rejected. */
        hvs_mem_range top[] = { { .gpa = UINT64_MAX - 63, .size = 64 } };
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, top, 1, &m), -EINVAL);
}

static void test_ranges_read_across_boundary(void **state) {
        uint8_t b[3 * 256];
        fill(b, sizeof b, 0);
        /* Given out of order: the buffer holds them in this order. */
        hvs_mem_range r[] = { { 0x200, 256 }, { 0x100, 256 }, { 0x300, 256 } };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, r, 3, &m), 0);
        size_t n;
        const hvs_mem_range *got = hvs_mem_ranges(m, &n);
        assert_int_equal(n, 3);
        assert_int_equal(got[0].gpa, 0x100);
        assert_int_equal(got[1].gpa, 0x200);
        assert_int_equal(got[2].gpa, 0x300);
        /* 0x1f0..0x30f spans all three ranges: bytes come from three places. */
        uint8_t out[0x120], want[0x120];
        memcpy(want, b + 256 + 0xf0, 0x10);             /* gpa 0x1f0: second block in buf */
        memcpy(want + 0x10, b, 0x100);                  /* gpa 0x200: first */
        memcpy(want + 0x110, b + 512, 0x10);            /* gpa 0x300: third */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1f0), out, sizeof out), 0);
        assert_memory_equal(out, want, sizeof out);
        assert_int_equal(hvs_mem_size(m), 0x400);
        hvs_mem_close(m);
}

static void test_ranges_hole_faults(void **state) {
        uint8_t b[512] = { 0 };
        fill(b, sizeof b, 9);
        hvs_mem_range r[] = { { 0x1000, 256 }, { 0x2000, 256 } };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, r, 2, &m), 0);
        uint8_t out[16];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x0), out, 1), -EFAULT);              /* before all */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x10f8), out, 16), -EFAULT);          /* runs into hole */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1800), out, 16), -EFAULT);          /* inside hole */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1ff8), out, 16), -EFAULT);          /* hole into range */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x2100), out, 1), -EFAULT);           /* after all */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x20f0), out, 16), 0);
        assert_memory_equal(out, b + 256 + 0xf0, 16);
        uint64_t v;
        assert_int_equal(hvs_mem_read_u64(m, HVS_GPA(0x10fc), &v), -EFAULT);
        hvs_mem_close(m);
}

static void test_ranges_invalid(void **state) {
        uint8_t b[256] = { 0 };
        hvs_mem *m = NULL;
        hvs_mem_range overlap[] = { { 0x100, 128 }, { 0x17f, 64 } };
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, overlap, 2, &m), -EINVAL);
        hvs_mem_range empty[] = { { 0x100, 0 } };
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, empty, 1, &m), -EINVAL);
        hvs_mem_range toolong[] = { { 0, 200 }, { 0x1000, 57 } };
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, toolong, 2, &m), -EINVAL);
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, overlap, 0, &m), -EINVAL);
        hvs_mem_range huge[] = { { 0, UINT64_MAX } };
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, huge, 1, &m), -EINVAL);
        assert_null(m);
}

static void test_ranges_limit(void **state) {
        static uint8_t b[HVS_MAX_MEM_RANGES + 1];
        static hvs_mem_range r[HVS_MAX_MEM_RANGES + 1];
        for (size_t i = 0; i <= HVS_MAX_MEM_RANGES; i++)
                r[i] = (hvs_mem_range){ .gpa = i * 2, .size = 1 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, r, HVS_MAX_MEM_RANGES + 1, &m), -EINVAL);
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, r, HVS_MAX_MEM_RANGES, &m), 0);
        hvs_mem_close(m);
}

static void test_binary_search_many_ranges(void **state) {
        enum { N = 1000, SZ = 16 };
        static uint8_t b[N * SZ];
        static hvs_mem_range r[N];
        fill(b, sizeof b, 5);
        for (size_t i = 0; i < N; i++)
                r[i] = (hvs_mem_range){ .gpa = i * 64, .size = SZ };     /* 48-byte holes */
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer_ranges(b, sizeof b, r, N, &m), 0);
        for (size_t i = 0; i < N; i++) {
                uint8_t out[SZ];
                assert_int_equal(hvs_mem_read(m, HVS_GPA(i * 64), out, SZ), 0);
                assert_memory_equal(out, b + i * SZ, SZ);
                assert_int_equal(hvs_mem_read(m, HVS_GPA(i * 64 + SZ), out, 1), -EFAULT);
                assert_int_equal(hvs_mem_read(m, HVS_GPA(i * 64 + 1), out, SZ), -EFAULT);
        }
        hvs_mem_close(m);
}

static void test_read_u64_little_endian(void **state) {
        uint8_t b[16] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer(b, sizeof b, &m), 0);
        uint64_t v = 0;
        assert_int_equal(hvs_mem_read_u64(m, HVS_GPA(0), &v), 0);
        assert_int_equal(v, 0x1122334455667788ull);
        v = 42;
        assert_int_equal(hvs_mem_read_u64(m, HVS_GPA(9), &v), -EFAULT);
        assert_int_equal(v, 42);
        hvs_mem_close(m);
}

static void test_buffer_has_no_vcpus_or_control(void **state) {
        uint8_t b[16] = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer(b, sizeof b, &m), 0);
        assert_string_equal(hvs_mem_errmsg(m), "");
        const hvs_vcpu_regs *regs = (const hvs_vcpu_regs *)0x1;
        size_t n = 7;
        assert_int_equal(hvs_mem_vcpus(m, &regs, &n), -EOPNOTSUPP);
        assert_ptr_equal(regs, (const hvs_vcpu_regs *)0x1);
        assert_int_equal(n, 7);
        assert_non_null(strstr(hvs_mem_errmsg(m), "buffer"));
        assert_int_equal(hvs_mem_pause(m), -EOPNOTSUPP);
        assert_int_equal(hvs_mem_resume(m), -EOPNOTSUPP);
        assert_int_equal(hvs_mem_diag(m)->err, -EOPNOTSUPP);
        hvs_mem_close(m);
        assert_null(hvs_mem_close(NULL));
}

/* ---- custom backend (sys/backend.h) ---- */

struct fake_be {
        uint8_t data[256];              /* bytes of the callback range */
        int reads;
        int closes;
        int fail;
        int paused;
        hvs_vcpu_regs regs[2];
};

static int fake_read(void *priv, uint64_t gpa, void *buf, size_t len) {
        struct fake_be *f = priv;
        f->reads++;
        if (f->fail)
                return -EIO;
        assert_true(gpa >= 0x1000 && gpa + len <= 0x1000 + sizeof f->data);
        memcpy(buf, f->data + (gpa - 0x1000), len);
        return 0;
}

static int fake_vcpus(void *priv, const hvs_vcpu_regs **ret, size_t *ret_n, hvs_diag *diag) {
        struct fake_be *f = priv;
        *ret = f->regs;
        *ret_n = 2;
        return 0;
}

static int fake_pause(void *priv, hvs_diag *diag) {
        ((struct fake_be *)priv)->paused++;
        return 0;
}

static void fake_close(void *priv) {
        ((struct fake_be *)priv)->closes++;
}

static const struct hvs_mem_backend_ops fake_ops = {
        .sz = sizeof(struct hvs_mem_backend_ops),
        .name = "fake",
        .read = fake_read,
        .vcpus = fake_vcpus,
        .pause = fake_pause,
        .close = fake_close,
};

static void test_custom_backend_mixed_ranges(void **state) {
        struct fake_be f = { 0 };
        uint8_t host[0x1000];
        fill(host, sizeof host, 100);
        fill(f.data, sizeof f.data, 200);
        f.regs[1].cpu = 1;
        f.regs[1].rip = 0xffffffff81000000ull;
        struct hvs_mem_backend_range r[] = {
                { .gpa = 0x1000, .size = 256, .host = NULL },   /* via read callback */
                { .gpa = 0x0, .size = 0x1000, .host = host },
        };
        hvs_mem_info info = { .kind = HVS_MEM_CUSTOM };
        strcpy(info.source, "fake:source");
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_new_backend(&fake_ops, &f, r, 2, &info, &m), 0);
        assert_string_equal(hvs_mem_get_info(m)->source, "fake:source");
        assert_int_equal(hvs_mem_get_info(m)->kind, HVS_MEM_CUSTOM);
        uint8_t out[32], want[32];
        memcpy(want, host + 0x1000 - 16, 16);
        memcpy(want + 16, f.data, 16);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1000 - 16), out, 32), 0);
        assert_memory_equal(out, want, 32);
        assert_int_equal(f.reads, 1);
        /* Fails before any callback runs. */
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1000 + 250), out, 8), -EFAULT);
        assert_int_equal(f.reads, 1);
        f.fail = 1;
        assert_int_equal(hvs_mem_read(m, HVS_GPA(0x1000), out, 8), -EIO);
        const hvs_vcpu_regs *regs;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &regs, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(regs[1].rip, 0xffffffff81000000ull);
        assert_int_equal(hvs_mem_pause(m), 0);
        assert_int_equal(f.paused, 1);
        assert_int_equal(hvs_mem_resume(m), -EOPNOTSUPP);       /* no callback */
        hvs_mem_close(m);
        assert_int_equal(f.closes, 1);
}

static void test_custom_backend_invalid(void **state) {
        struct fake_be f = { 0 };
        hvs_mem *m = NULL;
        struct hvs_mem_backend_range r[] = { { .gpa = 0x1000, .size = 256 } };
        struct hvs_mem_backend_ops no_read = { .sz = sizeof no_read, .name = "x", .close = fake_close };
        assert_int_equal(hvs_mem_new_backend(&no_read, &f, r, 1, NULL, &m), -EINVAL);
        struct hvs_mem_backend_ops tiny = fake_ops;
        tiny.sz = 4;
        assert_int_equal(hvs_mem_new_backend(&tiny, &f, r, 1, NULL, &m), -EINVAL);
        assert_int_equal(hvs_mem_new_backend(&fake_ops, &f, r, 0, NULL, &m), -EINVAL);
        struct hvs_mem_backend_range ov[] = { { 0, 16, NULL }, { 8, 16, NULL } };
        assert_int_equal(hvs_mem_new_backend(&fake_ops, &f, ov, 2, NULL, &m), -EINVAL);
        /* Ownership of priv passes on success only: close never ran. */
        assert_int_equal(f.closes, 0);
        assert_null(m);
}

static void test_alloc_failures_unwind(void **state) {
        uint8_t b[512] = { 0 };
        hvs_mem_range r[] = { { 0x1000, 256 }, { 0x2000, 256 } };
        for (unsigned n = 0;; n++) {
                hvs_test_fail_alloc_after(n);
                hvs_mem *m = NULL;
                int e = hvs_mem_open_buffer_ranges(b, sizeof b, r, 2, &m);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (e == 0) {
                        hvs_mem_close(m);
                        break;
                }
                assert_int_equal(e, -ENOMEM);
                assert_null(m);
        }
}

/* ---- raw file backend ---- */

struct tmp {
        char dir[64];
        char file[128];
};

static int tmp_setup(void **state) {
        struct tmp *t = calloc(1, sizeof *t);
        strcpy(t->dir, "/tmp/hvs-test-mem.XXXXXX");
        if (!t || !mkdtemp(t->dir))
                return -1;
        snprintf(t->file, sizeof t->file, "%s/img", t->dir);
        *state = t;
        return 0;
}

static int tmp_teardown(void **state) {
        struct tmp *t = *state;
        unlink(t->file);
        char sub[160];
        snprintf(sub, sizeof sub, "%s/sub", t->dir);
        rmdir(sub);
        rmdir(t->dir);
        free(t);
        return 0;
}

static void write_file(const char *path, const void *b, size_t n) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b, 1, n, f), n);
        fclose(f);
}

static void test_raw_file(void **state) {
        struct tmp *t = *state;
        uint8_t b[8192];
        fill(b, sizeof b, 77);
        write_file(t->file, b, sizeof b);
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_raw(t->file, &d, &m), 0);
        assert_int_equal(hvs_mem_get_info(m)->kind, HVS_MEM_RAW);
        assert_string_equal(hvs_mem_get_info(m)->source, t->file);
        assert_int_equal(hvs_mem_size(m), sizeof b);
        uint8_t out[64];
        assert_int_equal(hvs_mem_read(m, HVS_GPA(8192 - 64), out, 64), 0);
        assert_memory_equal(out, b + 8192 - 64, 64);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(8192 - 63), out, 64), -EFAULT);
        const hvs_vcpu_regs *regs;
        size_t n;
        assert_int_equal(hvs_mem_vcpus(m, &regs, &n), -EOPNOTSUPP);
        hvs_mem_close(m);
        /* open_image falls back to raw for non-ELF content. */
        assert_int_equal(hvs_mem_open_image(t->file, &d, &m), 0);
        assert_int_equal(hvs_mem_get_info(m)->kind, HVS_MEM_RAW);
        hvs_mem_close(m);
}

static void test_raw_empty_file(void **state) {
        struct tmp *t = *state;
        write_file(t->file, "", 0);
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_raw(t->file, &d, &m), -EBADMSG);
        assert_int_equal(d.err, -EBADMSG);
        assert_non_null(strstr(d.msg, "empty"));
        assert_non_null(strstr(d.msg, t->file));
        assert_int_equal(hvs_mem_open_image(t->file, &d, &m), -EBADMSG);
        assert_null(m);
}

static void test_raw_directory(void **state) {
        struct tmp *t = *state;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_raw(t->dir, &d, &m), -EISDIR);
        assert_non_null(strstr(d.msg, "directory"));
        assert_int_equal(hvs_mem_open_image(t->dir, &d, &m), -EISDIR);
        assert_null(m);
}

static void test_raw_missing_and_special(void **state) {
        struct tmp *t = *state;
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_raw(t->file, &d, &m), -ENOENT);
        assert_non_null(strstr(d.msg, "cannot open"));
        assert_int_equal(hvs_mem_open_raw("/dev/null", &d, &m), -EINVAL);
        assert_non_null(strstr(d.msg, "not a regular file"));
        assert_int_equal(hvs_mem_open_raw(NULL, &d, &m), -EINVAL);
        assert_null(m);
}

static void test_raw_unreadable(void **state) {
        struct tmp *t = *state;
        if (geteuid() == 0)
                skip();         /* root reads a mode-000 file anyway */
        uint8_t b[16] = { 0 };
        write_file(t->file, b, sizeof b);
        chmod(t->file, 0);
        hvs_diag d = { 0 };
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_raw(t->file, &d, &m), -EACCES);
        assert_non_null(strstr(d.msg, "cannot open"));
}

static void test_raw_alloc_failures(void **state) {
        struct tmp *t = *state;
        uint8_t b[64] = { 1 };
        write_file(t->file, b, sizeof b);
        for (unsigned n = 0;; n++) {
                hvs_test_fail_alloc_after(n);
                hvs_mem *m = NULL;
                int e = hvs_mem_open_raw(t->file, NULL, &m);
                hvs_test_fail_alloc_after(UINT_MAX);
                if (e == 0) {
                        hvs_mem_close(m);
                        break;
                }
                assert_int_equal(e, -ENOMEM);
        }
}

/*
 * Large reads from file mappings drop their pages afterwards (MADV_DONTNEED);
 * from a caller's buffer they must not, or the caller's memory is zeroed.
 * A page-aligned 8 MiB buffer and a 4 MiB read make the bug visible.
 */
static void test_large_read_keeps_caller_buffer(void **state) {
        const size_t len = 8u << 20;
        uint8_t *buf = NULL;
        assert_int_equal(posix_memalign((void **)&buf, 4096, len), 0);
        for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)(i % 251 + 1);
        hvs_mem *m = NULL;
        assert_int_equal(hvs_mem_open_buffer(buf, len, &m), 0);
        uint8_t *out = malloc(4u << 20);
        assert_non_null(out);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(4096), out, 4u << 20), 0);
        assert_int_equal(hvs_mem_read(m, HVS_GPA(4096), out, 4u << 20), 0);
        for (size_t i = 0; i < (4u << 20); i++)
                assert_int_equal(out[i], (uint8_t)((i + 4096) % 251 + 1));
        for (size_t i = 0; i < len; i++)
                assert_int_equal(buf[i], (uint8_t)(i % 251 + 1));
        free(out);
        hvs_mem_close(m);
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buffer_zero_len_rejected),
                cmocka_unit_test(test_buffer_read_basic),
                cmocka_unit_test(test_large_read_keeps_caller_buffer),
                cmocka_unit_test(test_read_zero_length),
                cmocka_unit_test(test_read_overflow_at_uint64_max),
                cmocka_unit_test(test_ranges_read_across_boundary),
                cmocka_unit_test(test_ranges_hole_faults),
                cmocka_unit_test(test_ranges_invalid),
                cmocka_unit_test(test_ranges_limit),
                cmocka_unit_test(test_binary_search_many_ranges),
                cmocka_unit_test(test_read_u64_little_endian),
                cmocka_unit_test(test_buffer_has_no_vcpus_or_control),
                cmocka_unit_test(test_custom_backend_mixed_ranges),
                cmocka_unit_test(test_custom_backend_invalid),
                cmocka_unit_test(test_alloc_failures_unwind),
                cmocka_unit_test_setup_teardown(test_raw_file, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_raw_empty_file, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_raw_directory, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_raw_missing_and_special, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_raw_unreadable, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_raw_alloc_failures, tmp_setup, tmp_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-kallsyms.c - the symbol table (ksyms.c) and kallsyms recovery from
 * guest RAM (kallsyms.c), on tables written by tests/fixtures/fake_kallsyms.c
 * in the 6.1, 6.1.y-with-seqs and 6.12 layouts.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/limits.h>
#include <hvscope/types.h>
#include "util/util.h"
#include "fake_kallsyms.h"

#define RAM_SIZE (8u << 20)
#define TEXT 0xffffffff9a000000ull      /* a KASLR-like _text */
#define TABLE_AT 0x500008u              /* where the tables go in RAM (8-aligned) */

/* ---- hvs_ksyms ---- */

static void test_ksyms_order_and_find(void **state) {
        hvs_ksyms *k;
        assert_int_equal(hvs_ksyms_new(&k), 0);
        assert_int_equal(hvs_ksyms_add(k, "c", 'T', 0x3000, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "a", 'T', 0x1000, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "dup", 'd', 0x2000, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "b", 't', 0x2000, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "dup", 'D', 0x1800, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "pcpu", 'A', 0x10, true), 0);
        assert_int_equal(hvs_ksyms_count(k), 6);

        static const char *const order[] = { "pcpu", "a", "dup", "dup", "b", "c" };
        for (size_t i = 0; i < ARRAY_SIZE(order); i++)
                assert_string_equal(hvs_ksyms_get(k, i)->name, order[i]);
        assert_int_equal(hvs_ksyms_get(k, 3)->addr, 0x2000);    /* equal addresses: insertion order */
        assert_int_equal(hvs_ksyms_get(k, 4)->type, 't');
        assert_null(hvs_ksyms_get(k, 6));

        hvs_ksym s = { .addr = 0xdead };
        assert_int_equal(hvs_ksyms_find(k, "dup", &s), 0);
        assert_int_equal(s.addr, 0x1800);                        /* the first in address order */
        assert_int_equal(s.type, 'D');
        assert_int_equal(hvs_ksyms_find(k, "pcpu", &s), 0);
        assert_true(s.absolute);
        s.addr = 0xdead;
        assert_int_equal(hvs_ksyms_find(k, "nope", &s), -ENOENT);
        assert_int_equal(s.addr, 0xdead);                        /* untouched on failure */

        /* Adding after a find rebuilds the index and the order. */
        assert_int_equal(hvs_ksyms_add(k, "early", 'T', 0x5, false), 0);
        assert_int_equal(hvs_ksyms_find(k, "early", &s), 0);
        assert_int_equal(s.addr, 0x5);
        assert_string_equal(hvs_ksyms_get(k, 0)->name, "early");
        hvs_ksyms_free(k);
}

static void test_ksyms_lookup_addr(void **state) {
        hvs_ksyms *k;
        assert_int_equal(hvs_ksyms_new(&k), 0);
        hvs_ksym s;
        uint64_t off = 7;
        assert_int_equal(hvs_ksyms_lookup_addr(k, 0x1000, &s, &off), -ENOENT);   /* empty */
        assert_int_equal(hvs_ksyms_add(k, "f1", 'T', 0x1000, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "f2", 'T', 0x2000, false), 0);
        assert_int_equal(hvs_ksyms_add(k, "f2_alias", 'T', 0x2000, false), 0);
        assert_int_equal(hvs_ksyms_lookup_addr(k, 0xfff, &s, &off), -ENOENT);
        assert_int_equal(off, 7);
        assert_int_equal(hvs_ksyms_lookup_addr(k, 0x1000, &s, &off), 0);
        assert_string_equal(s.name, "f1");
        assert_int_equal(off, 0);
        assert_int_equal(hvs_ksyms_lookup_addr(k, 0x1fff, &s, &off), 0);
        assert_string_equal(s.name, "f1");
        assert_int_equal(off, 0xfff);
        assert_int_equal(hvs_ksyms_lookup_addr(k, 0x2010, &s, NULL), 0);
        assert_string_equal(s.name, "f2");                       /* first of two at one address */
        assert_int_equal(hvs_ksyms_lookup_addr(k, UINT64_MAX, &s, &off), 0);
        assert_string_equal(s.name, "f2");
        hvs_ksyms_free(k);
}

static void test_ksyms_bad_names(void **state) {
        hvs_ksyms *k;
        char longname[HVS_MAX_KSYM_NAME + 1];
        memset(longname, 'x', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        assert_int_equal(hvs_ksyms_new(&k), 0);
        assert_int_equal(hvs_ksyms_add(k, "", 'T', 1, false), -EINVAL);
        assert_int_equal(hvs_ksyms_add(k, longname, 'T', 1, false), -EINVAL);
        longname[HVS_MAX_KSYM_NAME - 1] = '\0';                 /* 511 characters: the kernel's limit */
        assert_int_equal(hvs_ksyms_add(k, longname, 'T', 1, false), 0);
        assert_int_equal(hvs_ksyms_count(k), 1);
        assert_null(hvs_ksyms_free(k));
        assert_null(hvs_ksyms_free(NULL));
}

static void test_ksyms_alloc_failures(void **state) {
        for (unsigned n = 0;; n++) {
                hvs_ksyms *k = NULL;
                hvs_test_fail_alloc_after(n);
                int r = hvs_ksyms_new(&k);
                for (int i = 0; r == 0 && i < 100; i++) {
                        char name[32];
                        snprintf(name, sizeof name, "sym%d", i);
                        r = hvs_ksyms_add(k, name, 'T', (uint64_t)(100 - i), false);
                }
                hvs_ksym s;
                if (r == 0)
                        r = hvs_ksyms_find(k, "sym5", &s);
                hvs_test_fail_alloc_after(UINT_MAX);
                hvs_ksyms_free(k);
                if (r == 0)
                        break;
                assert_int_equal(r, -ENOMEM);
        }
}

/* ---- recovery ---- */

struct ram {
        uint8_t *buf;
        hvs_mem *mem;
        struct fake_kallsyms_out out;
};

static void fill_junk(uint8_t *b, size_t n, unsigned seed) {
        uint32_t x = seed;
        for (size_t i = 0; i < n; i++) {
                x = x * 1664525u + 1013904223u;
                b[i] = (uint8_t)(x >> 24);
        }
}

/* Guest RAM with junk, a decoy digit run, and kallsyms tables at TABLE_AT. */
static void ram_build(struct ram *r, const struct fake_ksym *syms, size_t n, enum fake_kallsyms_layout layout) {
        r->buf = calloc(1, RAM_SIZE);
        assert_non_null(r->buf);
        fill_junk(r->buf + 0x1000, 0x100000, 1);
        static const char decoy[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9";
        memcpy(r->buf + 0x2000, decoy, sizeof decoy);
        memcpy(r->buf + 0x400000, decoy, sizeof decoy);
        assert_int_equal(fake_kallsyms_build(syms, n, layout, r->buf + TABLE_AT, RAM_SIZE - TABLE_AT, &r->out), 0);
        assert_int_equal(hvs_mem_open_buffer(r->buf, RAM_SIZE, &r->mem), 0);
}

static void ram_free(struct ram *r) {
        hvs_mem_close(r->mem);
        free(r->buf);
}

static int cmp_fake(const void *a, const void *b) {
        const struct fake_ksym *x = a, *y = b;
        return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Compare a recovered table with its input, in kallsyms order (qsort is not stable: unique addresses only). */
static void check_same(hvs_ksyms *k, const struct fake_ksym *syms, size_t n) {
        struct fake_ksym *sorted = malloc(n * sizeof *sorted);
        memcpy(sorted, syms, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_fake);
        assert_int_equal(hvs_ksyms_count(k), n);
        for (size_t i = 0; i < n; i++) {
                const hvs_ksym *s = hvs_ksyms_get(k, i);
                assert_string_equal(s->name, sorted[i].name);
                assert_int_equal(s->type, sorted[i].type);
                assert_int_equal(s->addr, sorted[i].addr);
                assert_int_equal(s->absolute, sorted[i].absolute);
        }
        free(sorted);
}

static void recover_layout(enum fake_kallsyms_layout layout, size_t n) {
        bool percpu = layout != FAKE_KALLSYMS_6_12;
        struct fake_ksym *syms = fake_kallsyms_sample(n, TEXT, 7, percpu);
        assert_non_null(syms);
        struct ram ram;
        ram_build(&ram, syms, n, layout);

        hvs_ksyms *k = NULL;
        hvs_ksyms_layout lay;
        hvs_diag d = { 0 };
        int r = hvs_ksyms_recover(ram.mem, 0, 0, &d, &k, &lay);
        if (r < 0)
                fail_msg("layout %s n=%zu: %s: %s", fake_kallsyms_layout_name(layout), n, hvs_strerror(r), d.msg);
        check_same(k, syms, n);
        assert_int_equal(lay.num_syms, n);
        assert_int_equal(lay.token_table, TABLE_AT + ram.out.token_table);
        assert_int_equal(lay.token_index, TABLE_AT + ram.out.token_index);
        assert_int_equal(lay.markers, TABLE_AT + ram.out.markers);
        assert_int_equal(lay.names, TABLE_AT + ram.out.names);
        assert_int_equal(lay.num_syms_at, TABLE_AT + ram.out.num_syms);
        assert_int_equal(lay.offsets, TABLE_AT + ram.out.offsets);
        assert_int_equal(lay.relative_base_at, TABLE_AT + ram.out.relative_base);
        assert_int_equal(lay.relative_base, ram.out.relbase);
        assert_int_equal(lay.absolute_percpu, percpu);

        hvs_ksym s;
        assert_int_equal(hvs_ksyms_find(k, "_text", &s), 0);
        assert_int_equal(s.addr, TEXT);
        assert_int_equal(hvs_ksyms_find(k, "init_task", &s), 0);
        assert_int_equal(hvs_ksyms_find(k, "__stop_BTF", &s), 0);
        hvs_ksyms_free(k);

        /* With a hint window around the tables. */
        r = hvs_ksyms_recover(ram.mem, TABLE_AT, TABLE_AT + ram.out.len, &d, &k, NULL);
        assert_int_equal(r, 0);
        assert_int_equal(hvs_ksyms_count(k), n);
        hvs_ksyms_free(k);
        /* A hint window elsewhere still finds them (after the window). */
        r = hvs_ksyms_recover(ram.mem, 0x100000, 0x200000, &d, &k, NULL);
        assert_int_equal(r, 0);
        hvs_ksyms_free(k);

        ram_free(&ram);
        fake_kallsyms_sample_free(syms, n);
}

static void test_recover_6_1(void **state) { recover_layout(FAKE_KALLSYMS_6_1, 3000); }
static void test_recover_6_1_seqs(void **state) { recover_layout(FAKE_KALLSYMS_6_1_SEQS, 3000); }
static void test_recover_6_12(void **state) { recover_layout(FAKE_KALLSYMS_6_12, 3000); }
/* Fewer than 256 symbols: one marker. */
static void test_recover_tiny(void **state) {
        for (int l = 0; l < FAKE_KALLSYMS_NR_LAYOUTS; l++)
                recover_layout((enum fake_kallsyms_layout)l, 40);
}
/* Exactly 256 and 257 symbols: the marker boundary. */
static void test_recover_marker_edges(void **state) {
        for (int l = 0; l < FAKE_KALLSYMS_NR_LAYOUTS; l++) {
                recover_layout((enum fake_kallsyms_layout)l, 256);
                recover_layout((enum fake_kallsyms_layout)l, 257);
                recover_layout((enum fake_kallsyms_layout)l, 513);
        }
}

/* A name over 127 compressed bytes uses a two-byte length (6.1+). */
static void test_recover_big_symbol(void **state) {
        size_t n = 600;
        struct fake_ksym *syms = fake_kallsyms_sample(n, TEXT, 3, true);
        char big[HVS_MAX_KSYM_NAME];
        for (size_t i = 0; i < sizeof big - 1; i++)
                big[i] = (char)('a' + (i * 7 + i / 26) % 26);
        big[sizeof big - 1] = '\0';
        free((char *)syms[300].name);
        syms[300].name = strdup(big);
        struct ram ram;
        ram_build(&ram, syms, n, FAKE_KALLSYMS_6_1_SEQS);
        hvs_ksyms *k = NULL;
        hvs_diag d = { 0 };
        int r = hvs_ksyms_recover(ram.mem, 0, 0, &d, &k, NULL);
        if (r < 0)
                fail_msg("%s", d.msg);
        check_same(k, syms, n);
        hvs_ksym s;
        assert_int_equal(hvs_ksyms_find(k, big, &s), 0);
        hvs_ksyms_free(k);
        ram_free(&ram);
        fake_kallsyms_sample_free(syms, n);
}

static void test_recover_none(void **state) {
        uint8_t *buf = calloc(1, 1 << 20);
        fill_junk(buf, 1 << 20, 9);
        hvs_mem *m;
        assert_int_equal(hvs_mem_open_buffer(buf, 1 << 20, &m), 0);
        hvs_ksyms *k = (hvs_ksyms *)0x1;
        hvs_diag d = { 0 };
        assert_int_equal(hvs_ksyms_recover(m, 0, 0, &d, &k, NULL), -ENOENT);
        assert_ptr_equal(k, (hvs_ksyms *)0x1);
        assert_true(d.msg[0] != '\0');
        hvs_mem_close(m);
        free(buf);
}

/* Damage after the token table was confirmed: -EBADMSG, with detail. */
static void test_recover_corrupt(void **state) {
        size_t n = 1000;
        struct fake_ksym *syms = fake_kallsyms_sample(n, TEXT, 5, true);
        for (int what = 0; what < 3; what++) {
                struct ram ram;
                ram_build(&ram, syms, n, FAKE_KALLSYMS_6_1);
                uint8_t *t = ram.buf + TABLE_AT;
                if (what == 0)
                        t[ram.out.markers + 4] ^= 0x40;         /* marker 1 */
                else if (what == 1)
                        t[ram.out.num_syms] ^= 0x01;            /* num_syms off by one */
                else
                        for (size_t i = 0; i < n; i += 2)      /* addresses out of order */
                                memcpy(t + ram.out.offsets + 4 * i, "\x10\0\0\x80", 4);
                hvs_ksyms *k = NULL;
                hvs_diag d = { 0 };
                int r = hvs_ksyms_recover(ram.mem, 0, 0, &d, &k, NULL);
                if (r != -EBADMSG)
                        fail_msg("case %d: %d %s", what, r, d.msg);
                assert_null(k);
                assert_non_null(strstr(d.msg, "kallsyms"));
                ram_free(&ram);
        }
        fake_kallsyms_sample_free(syms, n);
}

/* Tables in the second of two RAM ranges with a hole between. */
static void test_recover_ranges(void **state) {
        size_t n = 700;
        struct fake_ksym *syms = fake_kallsyms_sample(n, TEXT, 11, true);
        size_t len = 2u << 20;
        uint8_t *buf = calloc(1, len);
        struct fake_kallsyms_out out;
        assert_int_equal(fake_kallsyms_build(syms, n, FAKE_KALLSYMS_6_1_SEQS, buf + (1u << 20) + 0x100,
                                             (1u << 20) - 0x100, &out), 0);
        hvs_mem_range rg[2] = { { 0, 1u << 20 }, { 0x10000000, 1u << 20 } };
        hvs_mem *m;
        assert_int_equal(hvs_mem_open_buffer_ranges(buf, len, rg, 2, &m), 0);
        hvs_ksyms *k = NULL;
        hvs_ksyms_layout lay;
        assert_int_equal(hvs_ksyms_recover(m, 0, 0, NULL, &k, &lay), 0);
        assert_int_equal(lay.token_table, 0x10000000 + 0x100 + out.token_table);
        check_same(k, syms, n);
        hvs_ksyms_free(k);
        hvs_mem_close(m);
        free(buf);
        fake_kallsyms_sample_free(syms, n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ksyms_order_and_find),
                cmocka_unit_test(test_ksyms_lookup_addr),
                cmocka_unit_test(test_ksyms_bad_names),
                cmocka_unit_test(test_ksyms_alloc_failures),
                cmocka_unit_test(test_recover_6_1),
                cmocka_unit_test(test_recover_6_1_seqs),
                cmocka_unit_test(test_recover_6_12),
                cmocka_unit_test(test_recover_tiny),
                cmocka_unit_test(test_recover_marker_edges),
                cmocka_unit_test(test_recover_big_symbol),
                cmocka_unit_test(test_recover_none),
                cmocka_unit_test(test_recover_corrupt),
                cmocka_unit_test(test_recover_ranges),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

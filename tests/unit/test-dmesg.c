/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dmesg.c - the printk ring buffer decoder (printk.c lx_printk_parse).
 *
 * A small writer below mimics the kernel's (printk_ringbuffer.c): ids from
 * DESC0_ID, data blocks of id + text aligned to 8, blocks that would cross
 * the end of the ring stored at its start, the tail pushed (descriptors made
 * reusable) when the text ring is full, descriptors reused when the
 * descriptor ring is full. Tests then break single fields the way a running
 * or hostile guest could.
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
#include "os/linux/printk.h"
#include "util/util.h"

/* The 6.1/6.12 layouts of struct prb_desc and struct printk_info. */
static const struct lx_printk_layout LAY = {
        .desc_size = 24, .desc_state_var = 0, .desc_begin = 8, .desc_next = 16,
        .info_size = 88, .info_seq = 0, .info_ts = 8, .info_text_len = 16, .info_facility = 18, .info_caller_id = 20,
};
#define MASK LX_PRB_ID_MASK

struct ring {
        uint32_t cb, sb;
        uint8_t *descs, *infos, *data;
        uint64_t head_id, tail_id, head_lpos, tail_lpos;
};

static uint64_t count(const struct ring *r) { return 1ull << r->cb; }
static uint64_t size(const struct ring *r) { return 1ull << r->sb; }
static uint8_t *desc(struct ring *r, uint64_t id) { return r->descs + (id & (count(r) - 1)) * LAY.desc_size; }
static uint8_t *info(struct ring *r, uint64_t id) { return r->infos + (id & (count(r) - 1)) * LAY.info_size; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void set_state(struct ring *r, uint64_t id, unsigned state) {
        wr64(desc(r, id), (id & MASK) | (uint64_t)state << 62);
}

static struct ring *ring_new(uint32_t cb, uint32_t sb) {
        struct ring *r = calloc(1, sizeof *r);
        assert_non_null(r);
        r->cb = cb;
        r->sb = sb;
        r->descs = calloc(count(r), LAY.desc_size);
        r->infos = calloc(count(r), LAY.info_size);
        r->data = calloc(1, size(r));
        assert_true(r->descs && r->infos && r->data);
        /* The bootstrap of printk_ringbuffer.h: DESC0_ID reusable, infos[0].seq = -count. */
        r->head_id = r->tail_id = (uint64_t)(-(int64_t)(count(r) + 1)) & MASK;
        set_state(r, r->head_id, LX_PRB_REUSABLE);
        wr64(desc(r, r->head_id) + 8, LX_PRB_FAILED_LPOS);
        wr64(desc(r, r->head_id) + 16, LX_PRB_FAILED_LPOS);
        wr64(r->infos, (uint64_t)-(int64_t)count(r));
        r->head_lpos = r->tail_lpos = -(size(r) * 5);  /* BLK0_LPOS-like: exercises lpos wrap-around */
        return r;
}

static void ring_free(struct ring *r) {
        free(r->descs);
        free(r->infos);
        free(r->data);
        free(r);
}

/* Make the oldest descriptor reusable and move the tails past it. */
static void push_tail(struct ring *r) {
        uint8_t *d = desc(r, r->tail_id);
        set_state(r, r->tail_id, LX_PRB_REUSABLE);
        uint64_t next = rd64(d + 16);
        if (!(next & 1))
                r->tail_lpos = next;
        r->tail_id = (r->tail_id + 1) & MASK;
}

/* Append a finalized record; returns its id. */
static uint64_t add(struct ring *r, uint64_t ts, uint8_t level, uint8_t facility, const char *text) {
        size_t len = strlen(text);
        uint64_t id = (r->head_id + 1) & MASK;
        if (((id - r->tail_id) & MASK) >= count(r))
                push_tail(r);
        uint8_t *in = info(r, id);
        uint64_t seq = rd64(in);
        seq = seq == 0 && (id & (count(r) - 1)) != 0 ? (id & (count(r) - 1)) : seq + count(r);
        memset(in, 0, LAY.info_size);
        wr64(in, seq);
        wr64(in + 8, ts);
        uint16_t tl = (uint16_t)len;
        memcpy(in + 16, &tl, 2);
        in[18] = facility;
        in[19] = (uint8_t)(level << 5 | HVS_DMESG_FLAG_NEWLINE);
        uint32_t caller = 42;
        memcpy(in + 20, &caller, 4);
        uint8_t *d = desc(r, id);
        if (len == 0) {
                wr64(d + 8, LX_PRB_NO_LPOS);
                wr64(d + 16, LX_PRB_NO_LPOS);
        } else {
                uint64_t bsize = (8 + len + 7) & ~7ull;
                assert_true(bsize * 2 <= size(r));
                uint64_t begin = r->head_lpos, next = begin + bsize;
                if (begin >> r->sb != next >> r->sb)
                        next = (next & ~(size(r) - 1)) + bsize;
                while (next - r->tail_lpos > size(r))
                        push_tail(r);
                uint64_t at = next - bsize;
                wr64(r->data + (begin & (size(r) - 1)), id);    /* the id also at begin when wrapped */
                wr64(r->data + (at & (size(r) - 1)), id);
                memcpy(r->data + (at & (size(r) - 1)) + 8, text, len);
                wr64(d + 8, begin);
                wr64(d + 16, next);
                r->head_lpos = next;
        }
        set_state(r, id, LX_PRB_FINALIZED);
        r->head_id = id;
        return id;
}

/* The linear copies dmesg.c makes, from the tail to the head. */
struct snap {
        struct lx_printk_snapshot s;
        uint8_t *descs, *infos, *data;
};

static void take(struct ring *r, struct snap *sn) {
        size_t n = (size_t)(((r->head_id - r->tail_id) & MASK) + 1);
        sn->descs = malloc(n * LAY.desc_size);
        sn->infos = malloc(n * LAY.info_size);
        sn->data = malloc(size(r));
        assert_true(sn->descs && sn->infos && sn->data);
        for (size_t i = 0; i < n; i++) {
                memcpy(sn->descs + i * LAY.desc_size, desc(r, r->tail_id + i), LAY.desc_size);
                memcpy(sn->infos + i * LAY.info_size, info(r, r->tail_id + i), LAY.info_size);
        }
        uint64_t lpos = r->head_lpos - size(r);
        for (uint64_t i = 0; i < size(r); i++)
                sn->data[i] = r->data[(lpos + i) & (size(r) - 1)];
        sn->s = (struct lx_printk_snapshot){
                .count_bits = r->cb, .size_bits = r->sb, .first_id = r->tail_id, .nids = n,
                .descs = sn->descs, .infos = sn->infos, .data = sn->data, .data_lpos = lpos,
                .data_len = (size_t)size(r), .data_va = 0xffffffff83f00000ull,
        };
}

static void drop(struct snap *sn) {
        free(sn->descs);
        free(sn->infos);
        free(sn->data);
}

static hvs_dmesg *parse(struct snap *sn, size_t max_text) {
        hvs_dmesg *d = NULL;
        hvs_diag diag = { 0 };
        assert_int_equal(lx_printk_parse(&LAY, &sn->s, max_text, &diag, &d), 0);
        assert_non_null(d);
        return d;
}

static void test_basic(void **state) {
        (void)state;
        struct ring *r = ring_new(4, 10);
        add(r, 0, 5, 0, "Linux version 6.1.0");
        add(r, 1234567000, 6, 0, "two\nlines");
        add(r, 1234568000, 4, 1, "");
        add(r, 2000000000, 3, 0, "ctl\x01 byte");
        struct snap sn;
        take(r, &sn);
        hvs_dmesg *d = parse(&sn, 1 << 20);
        assert_int_equal(d->n, 4);
        assert_int_equal(d->skipped, 1);        /* the bootstrap descriptor */
        assert_false(d->truncated);
        assert_int_equal(d->records[0].seq, 0);
        assert_string_equal(d->records[0].text, "Linux version 6.1.0");
        assert_int_equal(d->records[0].level, 5);
        assert_true(d->records[0].finalized);
        assert_int_equal(d->records[0].caller, 42);
        assert_int_equal(d->records[0].flags, HVS_DMESG_FLAG_NEWLINE);
        assert_int_equal(d->records[1].ts_nsec, 1234567000);
        assert_string_equal(d->records[1].text, "two\nlines");
        assert_int_equal(d->records[2].text_len, 0);
        assert_int_equal(d->records[2].facility, 1);
        assert_int_equal(d->records[2].text_addr.v, 0);
        assert_int_equal(d->records[3].text_len, 9);
        for (size_t i = 1; i < d->n; i++)
                assert_int_equal(d->records[i].seq, d->records[i - 1].seq + 1);
        assert_true(d->records[0].text_addr.v >= 0xffffffff83f00000ull &&
                    d->records[0].text_addr.v < 0xffffffff83f00000ull + 1024);
        hvs_dmesg_free(d);
        drop(&sn);
        ring_free(r);
}

/* Many records: the text ring and the descriptor ring both wrap, some blocks are stored wrapped. */
static void test_wrapping(void **state) {
        (void)state;
        struct ring *r = ring_new(3, 8);       /* 8 descriptors, 256 bytes of text */
        char text[64];
        for (int i = 0; i < 200; i++) {
                snprintf(text, sizeof text, "record %d %.*s", i, i % 40, "........................................");
                add(r, (uint64_t)i * 1000, (uint8_t)(i % 8), 0, text);
        }
        struct snap sn;
        take(r, &sn);
        hvs_dmesg *d = parse(&sn, 1 << 20);
        assert_true(d->n >= 2 && d->n <= 8);
        assert_int_equal(d->records[d->n - 1].seq, 199);
        for (size_t i = 0; i < d->n; i++) {
                int k = (int)d->records[i].seq;
                snprintf(text, sizeof text, "record %d %.*s", k, k % 40, "........................................");
                assert_string_equal(d->records[i].text, text);
                assert_int_equal(d->records[i].ts_nsec, (uint64_t)k * 1000);
                assert_int_equal(d->records[i].level, k % 8);
        }
        hvs_dmesg_free(d);
        drop(&sn);
        ring_free(r);
}

static void test_skips(void **state) {
        (void)state;
        struct ring *r = ring_new(4, 10);
        uint64_t ids[8];
        for (int i = 0; i < 8; i++)
                ids[i] = add(r, (uint64_t)i, 6, 0, "some text here");
        set_state(r, ids[0], LX_PRB_RESERVED);                        /* being written */
        set_state(r, ids[1], LX_PRB_REUSABLE);                        /* recycled */
        wr64(desc(r, ids[2]), ((ids[2] + 16) & MASK) | 2ull << 62);   /* a newer id in that slot */
        wr64(info(r, ids[3]), 12345);                                  /* seq not of this slot */
        uint16_t big = 500;
        memcpy(info(r, ids[4]) + 16, &big, 2);                         /* text longer than its block */
        uint64_t b = rd64(desc(r, ids[5]) + 8);
        wr64(r->data + (b & 1023), 7);                                 /* data block of another id */
        wr64(desc(r, ids[6]) + 8, LX_PRB_FAILED_LPOS);                 /* lost data */
        wr64(desc(r, ids[6]) + 16, LX_PRB_FAILED_LPOS);
        set_state(r, ids[7], LX_PRB_COMMITTED);                        /* complete, not yet final */
        struct snap sn;
        take(r, &sn);
        hvs_dmesg *d = parse(&sn, 1 << 20);
        assert_int_equal(d->n, 1);
        assert_int_equal(d->records[0].seq, 7);
        assert_false(d->records[0].finalized);
        assert_int_equal(d->skipped, 8);
        hvs_dmesg_free(d);
        drop(&sn);
        ring_free(r);
}

/* A descriptor that changed between the two reads is skipped. */
static void test_changed_while_read(void **state) {
        (void)state;
        struct ring *r = ring_new(4, 10);
        for (int i = 0; i < 3; i++)
                add(r, (uint64_t)i, 6, 0, "abc");
        struct snap sn;
        take(r, &sn);
        uint8_t *again = malloc(sn.s.nids * LAY.desc_size);
        assert_non_null(again);
        memcpy(again, sn.descs, sn.s.nids * LAY.desc_size);
        again[2 * LAY.desc_size + 7] ^= 0xc0;          /* record seq 1: state changed */
        sn.s.descs_again = again;
        hvs_dmesg *d = parse(&sn, 1 << 20);
        assert_int_equal(d->n, 2);
        assert_int_equal(d->records[0].seq, 0);
        assert_int_equal(d->records[1].seq, 2);
        hvs_dmesg_free(d);
        free(again);
        drop(&sn);
        ring_free(r);
}

/* Only part of the text ring copied (max_dmesg): older blocks are outside the copy. */
static void test_window(void **state) {
        (void)state;
        struct ring *r = ring_new(4, 10);
        for (int i = 0; i < 10; i++)
                add(r, (uint64_t)i, 6, 0, "0123456789abcdef0123456789abcdef0123456789abcdef");
        struct snap sn;
        take(r, &sn);
        sn.s.data_lpos += 1024 - 128;
        sn.s.data += 1024 - 128;
        sn.s.data_len = 128;
        hvs_dmesg *d = parse(&sn, 1 << 20);
        assert_int_equal(d->n, 2);              /* 56-byte blocks: two fit in the last 128 bytes */
        assert_int_equal(d->records[1].seq, 9);
        hvs_dmesg_free(d);
        d = parse(&sn, 60);                     /* and a text limit */
        assert_int_equal(d->n, 1);
        assert_true(d->truncated);
        hvs_dmesg_free(d);
        drop(&sn);
        ring_free(r);
}

static void test_bad_geometry(void **state) {
        (void)state;
        struct ring *r = ring_new(2, 8);
        add(r, 1, 6, 0, "x");
        struct snap sn;
        take(r, &sn);
        hvs_dmesg *d = NULL;
        hvs_diag diag = { 0 };
        struct lx_printk_snapshot s = sn.s;
        s.nids = 5;                             /* more than 4 descriptors */
        assert_int_equal(lx_printk_parse(&LAY, &s, 100, &diag, &d), -EBADMSG);
        s = sn.s;
        s.data_len = 512;
        assert_int_equal(lx_printk_parse(&LAY, &s, 100, &diag, &d), -EBADMSG);
        s = sn.s;
        s.size_bits = 41;
        assert_int_equal(lx_printk_parse(&LAY, &s, 100, &diag, &d), -EBADMSG);
        struct lx_printk_layout lay = LAY;
        lay.info_caller_id = 86;
        assert_int_equal(lx_printk_parse(&lay, &sn.s, 100, &diag, &d), -EBADMSG);
        assert_null(d);
        drop(&sn);
        ring_free(r);
}

static void test_alloc_failure(void **state) {
        (void)state;
        struct ring *r = ring_new(4, 10);
        for (int i = 0; i < 5; i++)
                add(r, (uint64_t)i, 6, 0, "abc");
        struct snap sn;
        take(r, &sn);
        for (unsigned n = 0; n < 8; n++) {
                hvs_dmesg *d = NULL;
                hvs_diag diag = { 0 };
                hvs_test_fail_alloc_after(n);
                int rc = lx_printk_parse(&LAY, &sn.s, 1 << 20, &diag, &d);
                hvs_test_fail_alloc_after(UINT32_MAX);
                assert_true(rc == 0 || rc == -ENOMEM);
                if (rc == 0)
                        hvs_dmesg_free(d);
                else
                        assert_null(d);
        }
        drop(&sn);
        ring_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic), cmocka_unit_test(test_wrapping), cmocka_unit_test(test_skips),
                cmocka_unit_test(test_changed_while_read), cmocka_unit_test(test_window),
                cmocka_unit_test(test_bad_geometry), cmocka_unit_test(test_alloc_failure),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

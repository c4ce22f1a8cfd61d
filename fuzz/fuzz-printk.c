/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-printk.c - the printk ring buffer decoder (lx_printk_parse) on hostile
 * ring copies, with the 6.1/6.12 layouts of struct prb_desc and printk_info.
 *
 * Input (little-endian): a 32-byte header, then the copies, zero-filled when
 * the input is short:
 *   0  u8  count_bits (mod 9)         1  u8  size_bits (3 + mod 10)
 *   2  u16 nids (mod 2^count_bits + 1) 4  u8  bit 0: a second descriptor copy follows
 *   8  u64 first_id                   16 u64 data_lpos
 *   24 u64 data_len (mod 2^size_bits + 1)
 *   32 descriptors (nids x 24), infos (nids x 88), data (data_len),
 *      [descriptors again (nids x 24)]
 * fuzz/corpora/make-printk-corpus.py writes valid rings in this format.
 * Any result is fine if it keeps the contract; a crash, a leak or a
 * malformed result is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/linux.h>
#include "os/linux/printk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct lx_printk_layout LAY = {
        .desc_size = 24, .desc_state_var = 0, .desc_begin = 8, .desc_next = 16,
        .info_size = 88, .info_seq = 0, .info_ts = 8, .info_text_len = 16, .info_facility = 18, .info_caller_id = 20,
};

static uint64_t le(const uint8_t *p, size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)p[i] << (8 * i);
        return v;
}

/* Copy @n bytes from the input at *@pos into a new zeroed buffer. */
static uint8_t *take(const uint8_t *data, size_t size, size_t *pos, size_t n) {
        uint8_t *b = calloc(1, n ? n : 1);
        if (!b)
                abort();
        if (*pos < size)
                memcpy(b, data + *pos, size - *pos < n ? size - *pos : n);
        *pos += n;
        return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t h[32] = { 0 };
        memcpy(h, data, size < sizeof h ? size : sizeof h);
        struct lx_printk_snapshot s = {
                .count_bits = h[0] % 9u,
                .size_bits = 3u + h[1] % 10u,
                .first_id = le(h + 8, 8),
                .data_lpos = le(h + 16, 8),
                .data_va = 0xffffffff83f00000ull,
        };
        s.nids = (size_t)(le(h + 2, 2) % ((1u << s.count_bits) + 1));
        s.data_len = (size_t)(le(h + 24, 8) % ((1ull << s.size_bits) + 1));
        size_t pos = sizeof h;
        uint8_t *descs = take(data, size, &pos, s.nids * LAY.desc_size);
        uint8_t *infos = take(data, size, &pos, s.nids * LAY.info_size);
        uint8_t *text = take(data, size, &pos, s.data_len);
        uint8_t *again = h[4] & 1 ? take(data, size, &pos, s.nids * LAY.desc_size) : NULL;
        s.descs = descs;
        s.infos = infos;
        s.data = text;
        s.descs_again = again;

        for (size_t max_text = 1u << 20; max_text; max_text = max_text > 64 ? 64 : 0) {
                hvs_dmesg *d = NULL;
                hvs_diag diag = { 0 };
                int r = lx_printk_parse(&LAY, &s, max_text, &diag, &d);
                if (r < 0) {
                        if ((r != -EBADMSG && r != -ENOMEM) || d)
                                abort();
                        continue;
                }
                size_t total = 0;
                if (d->n + d->skipped > s.nids)
                        abort();
                for (size_t i = 0; i < d->n; i++) {
                        const hvs_dmesg_record *rec = &d->records[i];
                        if (rec->text[rec->text_len] != '\0' || rec->text_len > 0xffff || rec->level > 7 ||
                            (i && rec->seq < d->records[i - 1].seq))
                                abort();
                        total += rec->text_len;
                }
                if (total > max_text)
                        abort();
                hvs_dmesg_free(d);
        }
        free(descs);
        free(infos);
        free(text);
        free(again);
        return 0;
}

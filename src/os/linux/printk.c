/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * printk.c - decode the lockless printk ring buffer (Linux 5.10+) from
 * copies of its rings; see kernel/printk/printk_ringbuffer.c for the format.
 *
 * A descriptor's state_var holds its id (low 62 bits) and state (top two).
 * Its text_blk_lpos {begin, next} are logical positions in the text ring: a
 * regular block lies at [begin, next) within one wrap; a block that would
 * cross the end of the ring is stored at the start of the next wrap, at
 * [next - DATA_INDEX(next), next). Either way the block starts with the
 * descriptor's id (unsigned long), then the text. Everything here comes from
 * the guest: each record is checked (id in the descriptor and in the data
 * block, sequence number against the descriptor index, alignment, length,
 * bounds of the copy) and skipped if anything does not match.
 */
#include <inttypes.h>
#include "linux-internal.h"
#include "printk.h"

#define ID_SIZE 8u

bool lx_printk_layout_ok(const struct lx_printk_layout *l) {
        return l->desc_size >= 24 && l->desc_size <= 256 && (uint64_t)l->desc_state_var + 8 <= l->desc_size &&
               (uint64_t)l->desc_begin + 8 <= l->desc_size && (uint64_t)l->desc_next + 8 <= l->desc_size &&
               l->info_size >= 16 && l->info_size <= 1024 && (uint64_t)l->info_seq + 8 <= l->info_size &&
               (uint64_t)l->info_ts + 8 <= l->info_size && (uint64_t)l->info_text_len + 2 <= l->info_size &&
               (uint64_t)l->info_facility + 2 <= l->info_size && (uint64_t)l->info_caller_id + 4 <= l->info_size;
}

static int cmp_seq(const void *a, const void *b) {
        const hvs_dmesg_record *x = a, *y = b;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Where the block of [begin, next) is in the copy: offset of its id in @s->data
 * and its length with the id. Return: 0; -ENOENT for a data-less record with
 * no text (NO_LPOS); -EBADMSG for lost data, an illegal block or one outside
 * the copy.
 */
static int locate_block(const struct lx_printk_snapshot *s, uint64_t begin, uint64_t next, uint64_t *ret_lpos,
                        size_t *ret_off, size_t *ret_len) {
        if ((begin & 1) && (next & 1))
                return begin == LX_PRB_NO_LPOS && next == LX_PRB_NO_LPOS ? -ENOENT : -EBADMSG;
        const uint64_t size = 1ull << s->size_bits;
        uint64_t at, len;
        if (begin >> s->size_bits == next >> s->size_bits && begin < next) {
                at = begin;
                len = next - begin;
        } else if ((begin + size) >> s->size_bits == next >> s->size_bits) {
                len = next & (size - 1);
                at = next - len;
        } else {
                return -EBADMSG;
        }
        if (begin % ID_SIZE || next % ID_SIZE || len < ID_SIZE || len > size)
                return -EBADMSG;
        uint64_t off = at - s->data_lpos;     /* modulo 2^64, as logical positions are */
        if (!hvs_range_ok(off, len, s->data_len))
                return -EBADMSG;
        *ret_lpos = at;
        *ret_off = (size_t)off;
        *ret_len = (size_t)len;
        return 0;
}

int lx_printk_parse(const struct lx_printk_layout *lay, const struct lx_printk_snapshot *s, size_t max_text,
                    hvs_diag *diag, hvs_dmesg **ret) {
        if (!lx_printk_layout_ok(lay))
                return HVS_BADMSG(diag, "printk ring buffer: implausible prb_desc/printk_info layout");
        if (s->count_bits > 30 || s->size_bits < 3 || s->size_bits > 40 || s->nids > (1ull << s->count_bits) ||
            s->data_len > (1ull << s->size_bits))
                return HVS_BADMSG(diag, "printk ring buffer: implausible geometry (%u descriptor bits, %u data bits)",
                                  s->count_bits, s->size_bits);
        hvs_dmesg *d = hvs_calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        const uint64_t count_mask = (1ull << s->count_bits) - 1;
        size_t cap = 0, text_total = 0;
        for (size_t i = 0; i < s->nids; i++) {
                const uint64_t id = (s->first_id + i) & LX_PRB_ID_MASK;
                const uint8_t *desc = s->descs + i * lay->desc_size;
                const uint8_t *info = s->infos + i * lay->info_size;
                uint64_t sv = hvs_le64(desc + lay->desc_state_var);
                unsigned state = LX_PRB_STATE(sv);
                if ((sv & LX_PRB_ID_MASK) != id || (state != LX_PRB_COMMITTED && state != LX_PRB_FINALIZED) ||
                    (s->descs_again && hvs_le64(s->descs_again + i * lay->desc_size + lay->desc_state_var) != sv)) {
                        d->skipped++;
                        continue;
                }
                uint64_t seq = hvs_le64(info + lay->info_seq);
                if ((seq & count_mask) != (id & count_mask)) {
                        d->skipped++;
                        continue;
                }
                uint16_t text_len = hvs_le16(info + lay->info_text_len);
                uint64_t lpos = 0;
                size_t off = 0, blen = 0;
                int r = locate_block(s, hvs_le64(desc + lay->desc_begin), hvs_le64(desc + lay->desc_next), &lpos,
                                     &off, &blen);
                if (r == -ENOENT) {
                        text_len = 0;
                } else if (r < 0 || hvs_le64(s->data + off) != id || blen - ID_SIZE < text_len) {
                        d->skipped++;
                        continue;
                }
                if (text_total + text_len > max_text) {
                        d->truncated = true;
                        snprintf(d->trunc_msg, sizeof d->trunc_msg,
                                 "kernel log text exceeds %zu bytes: stopped at record %" PRIu64, max_text, seq);
                        break;
                }
                if (d->n == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        hvs_dmesg_record *nr = hvs_reallocarray(d->records, ncap, sizeof *nr);
                        if (!nr) {
                                hvs_dmesg_free(d);
                                return -ENOMEM;
                        }
                        d->records = nr;
                        cap = ncap;
                }
                char *text = hvs_malloc((size_t)text_len + 1);
                if (!text) {
                        hvs_dmesg_free(d);
                        return -ENOMEM;
                }
                if (text_len)
                        memcpy(text, s->data + off + ID_SIZE, text_len);
                text[text_len] = '\0';
                text_total += text_len;
                uint8_t fl = info[lay->info_facility + 1];
                d->records[d->n++] = (hvs_dmesg_record){
                        .seq = seq,
                        .ts_nsec = hvs_le64(info + lay->info_ts),
                        .level = fl >> 5,
                        .facility = info[lay->info_facility],
                        .flags = fl & 0x1f,
                        .finalized = state == LX_PRB_FINALIZED,
                        .caller = hvs_le32(info + lay->info_caller_id),
                        .text_addr = HVS_GVA(r == -ENOENT ? 0
                                                          : s->data_va + ((lpos + ID_SIZE) & ((1ull << s->size_bits) - 1))),
                        .text = text,
                        .text_len = text_len,
                };
        }
        if (d->n > 1)
                qsort(d->records, d->n, sizeof *d->records, cmp_seq);
        *ret = d;
        return 0;
}

hvs_dmesg *hvs_dmesg_free(hvs_dmesg *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n; i++)
                free(d->records[i].text);
        free(d->records);
        free(d);
        return NULL;
}

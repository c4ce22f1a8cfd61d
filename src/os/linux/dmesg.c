/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmesg.c - the kernel log: read the printk ring buffer from the guest and
 * hand copies of its rings to the decoder (printk.c).
 *
 * `prb` points to the ring in use (printk_rb_static at boot, then
 * printk_rb_dynamic once setup_log_buf() has made a larger one). The ids
 * from tail_id to head_id are the descriptors that may hold records; they
 * and their infos are copied in id order (at most two slices of each array,
 * since the ring wraps), then the newest bytes of the text ring up to
 * head_lpos, then the descriptors again: the writer makes a descriptor
 * reusable before its data can be overwritten, so a record whose state_var
 * did not change across the copy has intact text.
 */
#include <inttypes.h>
#include "linux-internal.h"
#include "printk.h"

struct prb_offsets {
        uint32_t count_bits, descs, infos, head_id, tail_id;
        uint32_t size_bits, data, head_lpos;
        struct lx_printk_layout lay;
};

#define O(f) offsetof(struct prb_offsets, f)
#define L(f) (offsetof(struct prb_offsets, lay) + offsetof(struct lx_printk_layout, f))
static const struct lx_field_row rows[] = {
        { "printk_ringbuffer", { "desc_ring.count_bits" }, O(count_bits), SIZE_MAX, false },
        { "printk_ringbuffer", { "desc_ring.descs" }, O(descs), SIZE_MAX, false },
        { "printk_ringbuffer", { "desc_ring.infos" }, O(infos), SIZE_MAX, false },
        { "printk_ringbuffer", { "desc_ring.head_id" }, O(head_id), SIZE_MAX, false },
        { "printk_ringbuffer", { "desc_ring.tail_id" }, O(tail_id), SIZE_MAX, false },
        { "printk_ringbuffer", { "text_data_ring.size_bits" }, O(size_bits), SIZE_MAX, false },
        { "printk_ringbuffer", { "text_data_ring.data" }, O(data), SIZE_MAX, false },
        { "printk_ringbuffer", { "text_data_ring.head_lpos" }, O(head_lpos), SIZE_MAX, false },
        { "prb_desc", { "state_var" }, L(desc_state_var), SIZE_MAX, false },
        { "prb_desc", { "text_blk_lpos.begin" }, L(desc_begin), SIZE_MAX, false },
        { "prb_desc", { "text_blk_lpos.next" }, L(desc_next), SIZE_MAX, false },
        { "printk_info", { "seq" }, L(info_seq), SIZE_MAX, false },
        { "printk_info", { "ts_nsec" }, L(info_ts), SIZE_MAX, false },
        { "printk_info", { "text_len" }, L(info_text_len), SIZE_MAX, false },
        { "printk_info", { "facility" }, L(info_facility), SIZE_MAX, false },
        { "printk_info", { "caller_id" }, L(info_caller_id), SIZE_MAX, false },
};
#undef O
#undef L

/*
 * Copy @n elements of @elem bytes for ids first .. first + n - 1 of an array
 * of 1 << @bits elements at @base (element of id = id & mask): one or two reads.
 */
static int read_ring_slice(hvs_vas *as, uint64_t base, uint32_t bits, uint32_t elem, uint64_t first, size_t n,
                           uint8_t *out) {
        const uint64_t count = 1ull << bits;
        uint64_t idx = first & (count - 1);
        size_t n1 = (size_t)MIN((uint64_t)n, count - idx);
        int r = hvs_vas_read(as, HVS_GVA(base + idx * elem), out, n1 * elem);
        if (r == 0 && n1 < n)
                r = hvs_vas_read(as, HVS_GVA(base), out + n1 * elem, (n - n1) * elem);
        return r;
}

int hvs_linux_dmesg(hvs_linux *k, hvs_dmesg **ret) {
        struct prb_offsets o;
        hvs_profile *p = k->profile;
        hvs_vas *as = k->kvas;
        int r = lx_resolve_fields(k, rows, ARRAY_SIZE(rows), &o, &k->diag);
        if (r < 0)
                return r;
        if ((r = hvs_profile_type_size(p, "prb_desc", &o.lay.desc_size)) < 0 ||
            (r = hvs_profile_type_size(p, "printk_info", &o.lay.info_size)) < 0)
                return HVS_DIAG(&k->diag, r, "kernel types 'prb_desc'/'printk_info': %s", hvs_strerror(r));
        if (!lx_printk_layout_ok(&o.lay))
                return HVS_BADMSG(&k->diag, "printk ring buffer: implausible prb_desc/printk_info layout");

        uint64_t sym, rb;
        if (hvs_profile_symbol(p, "prb", &sym) == 0) {
                if ((r = hvs_vas_read_u64(as, HVS_GVA(sym), &rb)) < 0)
                        return HVS_DIAG(&k->diag, r, "printk ring buffer pointer 'prb' at 0x%" PRIx64 " unreadable", sym);
        } else if (hvs_profile_symbol(p, "printk_rb_static", &rb) < 0) {
                return HVS_DIAG(&k->diag, -ENOENT, "kernel has no 'prb' symbol (printk ring buffer of Linux 5.10+)");
        }

        uint32_t count_bits, size_bits;
        uint64_t descs, infos, head_id, tail_id, data, head_lpos;
        if ((r = lx_read_u32(as, rb, o.count_bits, &count_bits)) < 0 || (r = lx_read_u64(as, rb, o.descs, &descs)) < 0 ||
            (r = lx_read_u64(as, rb, o.infos, &infos)) < 0 || (r = lx_read_u64(as, rb, o.head_id, &head_id)) < 0 ||
            (r = lx_read_u64(as, rb, o.tail_id, &tail_id)) < 0 || (r = lx_read_u32(as, rb, o.size_bits, &size_bits)) < 0 ||
            (r = lx_read_u64(as, rb, o.data, &data)) < 0 || (r = lx_read_u64(as, rb, o.head_lpos, &head_lpos)) < 0)
                return HVS_DIAG(&k->diag, r, "printk ring buffer at 0x%" PRIx64 " unreadable", rb);
        if (count_bits > 30 || size_bits < 3 || size_bits > 40)
                return HVS_BADMSG(&k->diag, "printk ring buffer at 0x%" PRIx64 ": %u descriptor bits, %u data bits",
                                  rb, count_bits, size_bits);

        char trunc[256] = "";
        uint64_t nids = ((head_id - tail_id) & LX_PRB_ID_MASK) + 1;
        if (nids > (1ull << count_bits))
                return HVS_BADMSG(&k->diag, "printk ring buffer at 0x%" PRIx64 ": %" PRIu64 " ids in a ring of %" PRIu64,
                                  rb, nids, (uint64_t)1 << count_bits);
        if (nids > HVS_MAX_DMESG_DESCS) {
                snprintf(trunc, sizeof trunc, "printk ring holds %" PRIu64 " records: read the newest %u", nids,
                         HVS_MAX_DMESG_DESCS);
                nids = HVS_MAX_DMESG_DESCS;
        }
        uint64_t first = (head_id - nids + 1) & LX_PRB_ID_MASK;
        uint64_t dsize = 1ull << size_bits, window = dsize;
        if (window > k->limits.max_dmesg) {
                snprintf(trunc, sizeof trunc, "printk text ring of %" PRIu64 " bytes: read the newest %u", dsize,
                         k->limits.max_dmesg);
                window = k->limits.max_dmesg;
        }

        _cleanup_free_ uint8_t *dcopy = hvs_malloc((size_t)nids * o.lay.desc_size);
        _cleanup_free_ uint8_t *dagain = hvs_malloc((size_t)nids * o.lay.desc_size);
        _cleanup_free_ uint8_t *icopy = hvs_malloc((size_t)nids * o.lay.info_size);
        _cleanup_free_ uint8_t *text = hvs_malloc((size_t)window);
        if (!dcopy || !dagain || !icopy || !text)
                return -ENOMEM;
        uint64_t lpos = head_lpos - window;
        if ((r = read_ring_slice(as, descs, count_bits, o.lay.desc_size, first, (size_t)nids, dcopy)) < 0 ||
            (r = read_ring_slice(as, infos, count_bits, o.lay.info_size, first, (size_t)nids, icopy)) < 0 ||
            (r = read_ring_slice(as, data, size_bits, 1, lpos, (size_t)window, text)) < 0 ||
            (r = read_ring_slice(as, descs, count_bits, o.lay.desc_size, first, (size_t)nids, dagain)) < 0)
                return HVS_DIAG(&k->diag, r, "printk ring buffer at 0x%" PRIx64 ": rings unreadable", rb);

        const struct lx_printk_snapshot s = {
                .count_bits = count_bits, .size_bits = size_bits, .first_id = first, .nids = (size_t)nids,
                .descs = dcopy, .descs_again = dagain, .infos = icopy,
                .data = text, .data_lpos = lpos, .data_len = (size_t)window, .data_va = data,
        };
        hvs_dmesg *d = NULL;
        if ((r = lx_printk_parse(&o.lay, &s, k->limits.max_dmesg, &k->diag, &d)) < 0)
                return r;
        d->prb = HVS_GVA(rb);
        if (trunc[0] && !d->truncated) {
                d->truncated = true;
                hvs_strlcpy(d->trunc_msg, trunc, sizeof d->trunc_msg);
        }
        *ret = d;
        return 0;
}

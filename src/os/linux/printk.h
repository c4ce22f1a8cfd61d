/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * printk.h - the pure decoder of the printk ring buffer (printk.c): given
 * the layout of the kernel's structures and copies of the rings, it makes
 * the records, with no guest access. dmesg.c does the reading; tests and the
 * fuzz target drive the decoder directly. Internal to the library.
 */
#ifndef HVS_OS_LINUX_PRINTK_H
#define HVS_OS_LINUX_PRINTK_H

#include <hvscope/linux.h>

/* Byte offsets and sizes of struct prb_desc and struct printk_info. The
 * bitfields flags:5 and level:3 share the byte after facility. */
struct lx_printk_layout {
        uint32_t desc_size, desc_state_var, desc_begin, desc_next;
        uint32_t info_size, info_seq, info_ts, info_text_len, info_facility, info_caller_id;
};

/* The constants of printk_ringbuffer.h for 64-bit kernels. */
#define LX_PRB_ID_MASK (~(3ull << 62))
#define LX_PRB_STATE(sv) ((unsigned)((sv) >> 62))
#define LX_PRB_RESERVED 0u
#define LX_PRB_COMMITTED 1u
#define LX_PRB_FINALIZED 2u
#define LX_PRB_REUSABLE 3u
#define LX_PRB_FAILED_LPOS 0x1ull
#define LX_PRB_NO_LPOS 0x3ull

/*
 * Copies of the rings, linearised:
 * @count_bits, @size_bits: the rings' geometry (1 << bits descriptors, bytes)
 * @first_id, @nids:        the descriptor ids copied: first_id, first_id + 1
 *                          (modulo LX_PRB_ID_MASK + 1) ...
 * @descs, @infos:          @nids entries each, in id order
 * @descs_again:            nullable; the descriptors read again after the
 *                          data: a record whose state_var changed is skipped
 * @data, @data_lpos, @data_len: the text ring bytes for logical positions
 *                          [@data_lpos, @data_lpos + @data_len), at most one
 *                          ring size
 * @data_va:                guest address of the text ring (for text_addr)
 */
struct lx_printk_snapshot {
        uint32_t count_bits, size_bits;
        uint64_t first_id;
        size_t nids;
        const uint8_t *descs, *descs_again, *infos;
        const uint8_t *data;
        uint64_t data_lpos;
        size_t data_len;
        uint64_t data_va;
};

/*
 * lx_printk_parse() - decode the records of @s, in sequence order, at most
 * @max_text bytes of text in all (then the result is truncated).
 * Return: 0 with *@ret owned (free with hvs_dmesg_free()); -EBADMSG if the
 * layout or geometry is implausible (@diag says which); -ENOMEM.
 */
int lx_printk_parse(const struct lx_printk_layout *lay, const struct lx_printk_snapshot *s, size_t max_text,
                    hvs_diag *diag, hvs_dmesg **ret);

/* lx_printk_layout_ok() - whether every field fits its structure. */
bool lx_printk_layout_ok(const struct lx_printk_layout *lay);

#endif

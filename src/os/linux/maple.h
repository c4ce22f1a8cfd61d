/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * maple.h - a bounded, validating walker over a guest's maple tree (Linux
 * 6.1+ keeps a process's VMAs in mm->mm_mt), given explicit node offsets so
 * unit tests and fuzz targets can drive it on a fake guest without BTF.
 *
 * Encoding (include/linux/maple_tree.h, lib/maple_tree.c): ma_root holds
 * either NULL, one entry for index 0, or an encoded node pointer ("enode"):
 * a 256-byte aligned struct maple_node address with the node type in bits
 * 3..6 and bit 1 set (xa_is_node(): (v & 3) == 2 and v > 4096). Types:
 * maple_dense 0 (not used for VMAs: rejected), maple_leaf_64 1,
 * maple_range_64 2 (15 pivots, 16 slots) and maple_arange_64 3 (9 pivots,
 * 10 slots, gaps, metadata). Slot i of a node spanning [min, max] covers
 * [pivot[i-1] + 1, pivot[i]] (slot 0 from min; the last from its pivot or
 * max); ma_data_end() says which slot is the last used.
 *
 * Invariants checked, so a hostile tree cannot make the walk hang, recurse
 * without bound or report overlapping ranges: depth <= HVS_MAX_MAPLE_DEPTH
 * (-ELOOP beyond: a cycle through an ancestor), node pointers canonical
 * kernel addresses, known node types, pivots ascending inside their parent's
 * range, every slot starting right after the previous one in walk order
 * (which also catches a node reached twice), at most @max_entries entries
 * and a bounded number of nodes.
 */
#ifndef HVS_OS_LINUX_MAPLE_H
#define HVS_OS_LINUX_MAPLE_H

#include "linux-internal.h"

/* sizeof(struct maple_node) on 64-bit kernels; the walker copies one at a time. */
#define LX_MAPLE_NODE_SIZE 256u

/*
 * Where things are inside a 256-byte node, as the kernel's BTF says:
 * maple_range_64 (also maple_leaf_64) and maple_arange_64 .pivot[], .slot[]
 * and .meta.end (struct maple_metadata { unsigned char end, gap; }).
 * @r64_npivots / @a64_npivots: pivots per node (15 and 9); slots are one more.
 */
struct lx_maple_offsets {
        uint32_t r64_pivot, r64_slot, r64_meta_end, r64_npivots;
        uint32_t a64_pivot, a64_slot, a64_meta_end, a64_npivots;
};

/* Maple node types (enum maple_type). */
enum lx_maple_type { LX_MAPLE_DENSE = 0, LX_MAPLE_LEAF_64 = 1, LX_MAPLE_RANGE_64 = 2, LX_MAPLE_ARANGE_64 = 3 };

/* Encoded node pointers: type in bits 3..6, node address in bits 8..63. */
static inline bool lx_maple_is_node(uint64_t v) { return (v & 3) == 2 && v > 4096; }
static inline uint64_t lx_maple_node_addr(uint64_t enode) { return enode & ~(uint64_t)0xff; }
static inline unsigned lx_maple_node_type(uint64_t enode) { return (unsigned)(enode >> 3) & 0xf; }
/* Internal (xarray-style) values such as XA_ZERO_ENTRY are no entries. */
static inline bool lx_maple_is_internal(uint64_t v) { return (v & 3) == 2; }

/*
 * Called for each leaf entry that is not NULL and not an internal value, in
 * index order, with the range [@first, @last] it covers. A negative return
 * stops the walk and is returned by lx_maple_walk().
 */
typedef int (*lx_maple_fn)(void *userdata, uint64_t first, uint64_t last, uint64_t entry);

/*
 * lx_maple_check_offsets() - whether @o describes a node that fits in
 * LX_MAPLE_NODE_SIZE bytes with the pivot counts of a 64-bit kernel.
 * Return: 0; -EBADMSG (detail in @diag, nullable).
 */
int lx_maple_check_offsets(const struct lx_maple_offsets *o, hvs_diag *diag);

/*
 * lx_maple_walk() - call @fn for every entry of the tree whose ma_root value
 * is @root, reading nodes through @kv.
 * @max_entries: entries reported at most (the VMA limit)
 * Entries reported before an error stay reported: the caller keeps them and
 * marks its result truncated.
 * Return: entries reported (>= 0); -EFAULT (a node unreadable or not a
 * kernel address); -EBADMSG (bad node type, pivots out of order or outside
 * the parent's range, a dense node, bad offsets); -ELOOP (deeper than
 * HVS_MAX_MAPLE_DEPTH); -E2BIG (more than @max_entries entries, or more
 * nodes than such a tree can have); a negative return of @fn. @diag
 * (nullable) says where.
 */
int lx_maple_walk(hvs_vas *kv, const struct lx_maple_offsets *o, uint64_t root, uint32_t max_entries,
                  lx_maple_fn fn, void *userdata, hvs_diag *diag);

#endif

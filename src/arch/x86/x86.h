/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86.h - internals of the x86-64 translation layer, shared by walk.c, vas.c,
 * later analyzers that report page permissions, and the test fixtures.
 *
 * Invariants:
 *  - Page-table entries are hostile input: only bits 12..51 of an entry ever
 *    become an address (X86_PHYS_MASK); bits 52..63 (NX, protection keys,
 *    software bits) and bits 0..11 never leak into an address.
 *  - A walk reads at most one entry per level, so it is bounded by the level
 *    count whatever the tables contain (self-references included).
 */
#ifndef HVS_ARCH_X86_H
#define HVS_ARCH_X86_H

#include <hvscope/vas.h>

/* Architectural page-table entry bits (Intel SDM vol. 3, 4.5). */
#define X86_PTE_P       (1ull << 0)     /* present */
#define X86_PTE_RW      (1ull << 1)     /* writable */
#define X86_PTE_US      (1ull << 2)     /* user-accessible */
#define X86_PTE_PWT     (1ull << 3)
#define X86_PTE_PCD     (1ull << 4)
#define X86_PTE_A       (1ull << 5)     /* accessed */
#define X86_PTE_D       (1ull << 6)     /* dirty (leaf only) */
#define X86_PTE_PS      (1ull << 7)     /* large page at PDPT/PD; PAT in a 4 KiB PTE */
#define X86_PTE_PAT_4K  (1ull << 7)     /* PAT in a 4 KiB PTE (same bit as PS) */
#define X86_PTE_G       (1ull << 8)     /* global (leaf only) */
#define X86_PTE_PAT_LARGE (1ull << 12)  /* PAT in a 2 MiB / 1 GiB leaf: not an address bit */
#define X86_PTE_NX      (1ull << 63)    /* execute-disable (EFER.NXE) */

/* Bits 12..51: the widest physical address x86-64 defines (MAXPHYADDR 52). */
#define X86_PHYS_MASK   0x000ffffffffff000ull

#define X86_PAGE_SIZE_4K (1ull << 12)
#define X86_PAGE_SIZE_2M (1ull << 21)
#define X86_PAGE_SIZE_1G (1ull << 30)

/* Permission summary of a translation, see hvs_x86_translate_ex(). */
#define HVS_X86_PAGE_WRITABLE (1u << 0)  /* R/W set at every level */
#define HVS_X86_PAGE_USER     (1u << 1)  /* U/S set at every level */
#define HVS_X86_PAGE_NX       (1u << 2)  /* NX set at some level */

/**
 * x86_perms_init() - the permission summary before any entry is seen:
 * writable and user (both are ANDed down the walk), not NX (ORed).
 */
static inline uint32_t x86_perms_init(void) {
        return HVS_X86_PAGE_WRITABLE | HVS_X86_PAGE_USER;
}

/**
 * x86_perms_accumulate() - fold the permission bits of one present entry
 * into @acc.
 * @acc:   summary of the levels above (start with x86_perms_init())
 * @entry: the raw entry; R/W, U/S and NX sit in the same bits at every level
 *
 * The hardware grants write or user access only if every level grants it,
 * and forbids execution if any level sets NX (with EFER.NXE, which every
 * x86-64 Linux enables); this mirrors that so reports match what the guest
 * could actually do. Protection keys, SMEP/SMAP and CR0.WP are not modelled.
 * Return: the new summary.
 */
static inline uint32_t x86_perms_accumulate(uint32_t acc, uint64_t entry) {
        if (!(entry & X86_PTE_RW))
                acc &= ~HVS_X86_PAGE_WRITABLE;
        if (!(entry & X86_PTE_US))
                acc &= ~HVS_X86_PAGE_USER;
        if (entry & X86_PTE_NX)
                acc |= HVS_X86_PAGE_NX;
        return acc;
}

/**
 * hvs_x86_translate_ex() - hvs_x86_translate() that also reports permissions.
 * @m:      guest-physical memory (borrowed)
 * @root:   top-level table (CR3 flag bits 0-11 and bits 52-63 ignored)
 * @paging: HVS_PAGING_4LEVEL or HVS_PAGING_5LEVEL
 * @gva:    address to translate
 * @ret:           receives the guest-physical address
 * @ret_page_size: if not NULL, receives 4096, 2 MiB or 1 GiB
 * @ret_flags:     if not NULL, receives HVS_X86_PAGE_* accumulated over every
 *                 level of the walk (see x86_perms_accumulate())
 *
 * Uncached; reads one 8-byte entry per level and nothing else. Outputs are
 * written only on success. An -EBADMSG is also recorded in hvs_mem_diag(@m).
 * Return: 0; -EFAULT if @gva is not canonical, an entry is not present, or a
 * table lies outside guest RAM; -EINVAL for a bad @paging; -EBADMSG for PS set
 * at the PML4 or PML5 level; -EIO from the backend.
 * Thread-safety: as hvs_mem_read(), except that an -EBADMSG writes the diag
 * record of @m.
 */
HVS_MUST_CHECK int hvs_x86_translate_ex(hvs_mem *m, hvs_gpa root, enum hvs_paging paging,
                                        hvs_gva gva, hvs_gpa *ret, uint64_t *ret_page_size,
                                        uint32_t *ret_flags);

/**
 * struct hvs_x86_leaf - one present leaf entry met by hvs_x86_walk_range().
 * @va:        first guest-virtual address of the piece (canonical), clipped
 *             to the range walked
 * @pa:        guest-physical address of @va
 * @size:      bytes mapped from @va, clipped to the range walked
 * @page_size: the size of the page the leaf maps (4 KiB, 2 MiB or 1 GiB)
 * @flags:     HVS_X86_PAGE_* accumulated over the levels of the walk
 */
struct hvs_x86_leaf {
        uint64_t va, pa, size, page_size;
        uint32_t flags;
};

/**
 * struct hvs_x86_range_stats - what one hvs_x86_walk_range() did.
 * @tables: page-table pages read (whole or the part the range covers)
 * @leaves: leaf entries passed to the callback
 * @bad:    entries skipped as corrupt (PS at PML4/PML5) or tables that could
 *          not be read (outside guest RAM)
 */
struct hvs_x86_range_stats {
        uint64_t tables, leaves, bad;
};

/**
 * hvs_x86_walk_range() - call @fn for every present leaf that maps part of
 * [@lo, @hi), in ascending address order.
 * @m, @root, @paging: as hvs_x86_translate_ex()
 * @lo, @hi:     canonical addresses of the same half, @lo < @hi; @hi is
 *               excluded
 * @max_tables:  the most page-table pages read (a named limit of the caller)
 * @fn:          called with each leaf (borrowed for the call); a negative
 *               return stops the walk and is returned
 * @ret_stats:   nullable; filled also when the walk stops early
 *
 * Each table is read once, only over the slots the range covers, so a
 * non-present upper entry skips its whole span at the cost of 8 bytes. The
 * walk descends at most one table per level below each entry: the range
 * bounds it whatever the tables contain (tables that point at each other
 * are each read once per entry that names them, never more than the
 * range's span allows), and @max_tables bounds it again. A table outside
 * guest RAM or a reserved-bit large entry is skipped and counted in @bad.
 * Uncached (does not use a vas's translation cache).
 * Return: 0; -EINVAL for a bad @paging or range; -E2BIG when @max_tables
 * tables were read and more were needed (the leaves before stay reported);
 * -EIO from the backend; @fn's negative return.
 */
HVS_MUST_CHECK int hvs_x86_walk_range(hvs_mem *m, hvs_gpa root, enum hvs_paging paging, hvs_gva lo,
                                      hvs_gva hi, uint64_t max_tables,
                                      int (*fn)(void *ud, const struct hvs_x86_leaf *leaf), void *ud,
                                      struct hvs_x86_range_stats *ret_stats);

#endif

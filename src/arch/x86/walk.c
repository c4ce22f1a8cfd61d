/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * walk.c - the x86-64 page-table walker: one loop over one level table (C9).
 *
 * 4-level paging uses the last four rows of x86_levels and LA57 all five, so
 * the two modes cannot drift apart. Every entry is guest data: an entry can
 * at most send the walk to another 4 KiB-aligned table inside bits 12..51,
 * and the walk stops after the last row, which bounds it even for tables that
 * point at themselves (recursive mappings) or at each other.
 */
#include <inttypes.h>
#include <hvscope/vas.h>
#include <hvscope/sys/backend.h>
#include "arch/x86/x86.h"
#include "util/util.h"

/* What the PS bit (bit 7) of an entry means at a level. */
enum ps_meaning {
        PS_RESERVED,    /* PML5, PML4: must be 0; a set bit is corrupt data */
        PS_LARGE,       /* PDPT (1 GiB), PD (2 MiB): the entry maps a page */
        PS_IGNORED,     /* PT: bit 7 is PAT, the entry always maps a page */
};

struct pt_level {
        const char *name;
        unsigned shift;         /* lowest virtual-address bit this level indexes */
        enum ps_meaning ps;
};

static const struct pt_level x86_levels[] = {
        { "PML5", 48, PS_RESERVED },
        { "PML4", 39, PS_RESERVED },
        { "PDPT", 30, PS_LARGE },
        { "PD",   21, PS_LARGE },
        { "PT",   12, PS_IGNORED },
};

/* The rows a mode uses: the last @paging rows of x86_levels. */
static const struct pt_level *mode_levels(enum hvs_paging paging, size_t *ret_n) {
        if (paging != HVS_PAGING_4LEVEL && paging != HVS_PAGING_5LEVEL)
                return NULL;
        *ret_n = (size_t)paging;
        return &x86_levels[ARRAY_SIZE(x86_levels) - (size_t)paging];
}

bool hvs_gva_canonical(hvs_gva gva, enum hvs_paging paging) {
        size_t n;
        const struct pt_level *levels = mode_levels(paging, &n);
        if (!levels)
                return false;
        /* Bits from the top indexed bit upwards must all equal that bit. */
        unsigned top = levels[0].shift + 9 - 1;
        uint64_t high = gva.v >> top;
        return high == 0 || high == UINT64_MAX >> top;
}

int hvs_x86_translate_ex(hvs_mem *m, hvs_gpa root, enum hvs_paging paging, hvs_gva gva,
                         hvs_gpa *ret, uint64_t *ret_page_size, uint32_t *ret_flags) {
        size_t n;
        const struct pt_level *levels = mode_levels(paging, &n);
        if (!levels)
                return -EINVAL;
        if (!hvs_gva_canonical(gva, paging))
                return -EFAULT;

        uint64_t table = root.v & X86_PHYS_MASK;
        uint32_t perms = x86_perms_init();
        for (size_t i = 0; i < n; i++) {
                const struct pt_level *l = &levels[i];
                uint64_t slot = table + ((gva.v >> l->shift) & 0x1ff) * 8;
                uint64_t e;
                int r = hvs_mem_read_u64(m, HVS_GPA(slot), &e);
                if (r < 0)
                        return r;
                if (!(e & X86_PTE_P))
                        return -EFAULT;
                perms = x86_perms_accumulate(perms, e);

                if ((e & X86_PTE_PS) && l->ps == PS_RESERVED)
                        return HVS_BADMSG(hvs_mem_diag(m),
                                          "%s entry 0x%016" PRIx64 " at gpa 0x%" PRIx64
                                          " has the reserved PS bit set (gva 0x%016" PRIx64 ")",
                                          l->name, e, slot, gva.v);
                if (l->ps == PS_IGNORED || (e & X86_PTE_PS)) {
                        /*
                         * Masking the frame with the page size drops the PAT
                         * bit (12) of large pages and any reserved low frame
                         * bits a hostile guest sets, so they cannot shift the
                         * address; the CPU would fault on the latter anyway.
                         */
                        uint64_t size = 1ull << l->shift;
                        uint64_t frame = e & X86_PHYS_MASK & ~(size - 1);
                        *ret = HVS_GPA(frame | (gva.v & (size - 1)));
                        if (ret_page_size)
                                *ret_page_size = size;
                        if (ret_flags)
                                *ret_flags = perms;
                        return 0;
                }
                table = e & X86_PHYS_MASK;
        }
        /* Unreachable: the PT row is always a leaf. */
        return -EFAULT;
}

int hvs_x86_translate(hvs_mem *m, hvs_gpa root, enum hvs_paging paging, hvs_gva gva, hvs_gpa *ret,
                      uint64_t *ret_page_size) {
        return hvs_x86_translate_ex(m, root, paging, gva, ret, ret_page_size, NULL);
}

/* ---- range walk ---- */

struct range_walk {
        hvs_mem *m;
        const struct pt_level *levels;
        size_t n;
        unsigned vbits;                 /* 48 or 57 */
        uint64_t lo, last;              /* [lo, last] in vbits-bit (not sign-extended) form */
        uint64_t max_tables;
        int (*fn)(void *ud, const struct hvs_x86_leaf *leaf);
        void *ud;
        struct hvs_x86_range_stats st;
};

static uint64_t canonical(uint64_t raw, unsigned vbits) {
        return raw & (1ull << (vbits - 1)) ? raw | ~((1ull << vbits) - 1) : raw;
}

/* Walk the slots of the table at @table (level @i, slot 0 maps @base) that meet [w->lo, w->last]. */
static int walk_table(struct range_walk *w, uint64_t table, size_t i, uint64_t base, uint32_t perms) {
        const struct pt_level *l = &w->levels[i];
        uint64_t span = 1ull << l->shift, top = base + (span << 9) - 1;
        uint64_t from = MAX(w->lo, base), to = MIN(w->last, top);
        if (from > to)
                return 0;
        size_t s0 = (size_t)((from - base) >> l->shift), s1 = (size_t)((to - base) >> l->shift);
        if (w->st.tables >= w->max_tables)
                return -E2BIG;
        w->st.tables++;
        uint8_t raw[4096];
        int r = hvs_mem_read(w->m, HVS_GPA(table + s0 * 8), raw, (s1 - s0 + 1) * 8);
        if (r == -EIO)
                return r;
        if (r < 0) {
                w->st.bad++;
                return 0;
        }
        for (size_t s = s0; s <= s1; s++) {
                uint64_t e = hvs_le64(raw + (s - s0) * 8);
                if (!(e & X86_PTE_P))
                        continue;
                uint64_t va = base + (uint64_t)s * span;
                uint32_t p = x86_perms_accumulate(perms, e);
                if ((e & X86_PTE_PS) && l->ps == PS_RESERVED) {
                        w->st.bad++;
                        continue;
                }
                if (l->ps == PS_IGNORED || (e & X86_PTE_PS)) {
                        uint64_t a = MAX(va, w->lo), b = MIN(va + span - 1, w->last);
                        struct hvs_x86_leaf leaf = {
                                .va = canonical(a, w->vbits),
                                .pa = (e & X86_PHYS_MASK & ~(span - 1)) + (a - va),
                                .size = b - a + 1,
                                .page_size = span,
                                .flags = p,
                        };
                        w->st.leaves++;
                        if ((r = w->fn(w->ud, &leaf)) < 0)
                                return r;
                        continue;
                }
                if ((r = walk_table(w, e & X86_PHYS_MASK, i + 1, va, p)) < 0)
                        return r;
        }
        return 0;
}

int hvs_x86_walk_range(hvs_mem *m, hvs_gpa root, enum hvs_paging paging, hvs_gva lo, hvs_gva hi,
                       uint64_t max_tables, int (*fn)(void *ud, const struct hvs_x86_leaf *leaf), void *ud,
                       struct hvs_x86_range_stats *ret_stats) {
        struct range_walk w = { .m = m, .max_tables = max_tables, .fn = fn, .ud = ud };
        w.levels = mode_levels(paging, &w.n);
        if (!w.levels || !fn || lo.v >= hi.v || !hvs_gva_canonical(lo, paging) ||
            !hvs_gva_canonical(HVS_GVA(hi.v - 1), paging) || (lo.v >> 63) != ((hi.v - 1) >> 63))
                return -EINVAL;
        w.vbits = w.levels[0].shift + 9;
        uint64_t mask = (1ull << w.vbits) - 1;
        w.lo = lo.v & mask;
        w.last = (hi.v - 1) & mask;
        int r = walk_table(&w, root.v & X86_PHYS_MASK, 0, 0, x86_perms_init());
        if (ret_stats)
                *ret_stats = w.st;
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vas.c - guest-virtual address spaces: the walker behind a small
 * direct-mapped translation cache, and bounded readers on top of it.
 *
 * Cache design: one slot per 4 KiB virtual page, indexed by the low bits of
 * the virtual page number. A translation inside a 2 MiB or 1 GiB page is
 * cached as its 4 KiB sub-page, so every entry means the same thing and the
 * lookup is a single compare; sequential reads in a large page pay one walk
 * per 4 KiB, which is cheap next to the copy (bench/bench-x86.c measures it).
 * Only successful walks are cached: a not-present page may become present
 * when the guest runs, and a failure must keep its exact errno.
 * Entries are never invalidated implicitly; callers flush when the guest may
 * have changed its tables (vas.h).
 *
 * Stats: every lookup is either a hit or a miss; a miss walks the tables, and
 * walks_failed counts the misses whose walk failed (so it is <= misses).
 */
#include <limits.h>
#include <hvscope/limits.h>
#include <hvscope/vas.h>
#include "arch/x86/x86.h"
#include "util/util.h"

_Static_assert(HVS_VAS_TLB_ENTRIES > 0 && (HVS_VAS_TLB_ENTRIES & (HVS_VAS_TLB_ENTRIES - 1)) == 0,
               "HVS_VAS_TLB_ENTRIES must be a power of two");

#define PAGE_SHIFT 12
#define PAGE_MASK (~((uint64_t)X86_PAGE_SIZE_4K - 1))
/* Set in a tag of a filled slot: page-aligned addresses never have bit 0 set. */
#define TAG_VALID 1ull

struct tlb_slot {
        uint64_t tag;   /* page-aligned gva | TAG_VALID, or 0 when empty */
        uint64_t pfa;   /* page-aligned gpa of that 4 KiB page */
};

struct hvs_vas {
        hvs_mem *mem;
        hvs_gpa root;
        enum hvs_paging paging;
        hvs_vas_stats stats;
        struct tlb_slot tlb[HVS_VAS_TLB_ENTRIES];
};

int hvs_vas_new(hvs_mem *m, hvs_gpa root, enum hvs_paging paging, hvs_vas **ret) {
        if (!m || (paging != HVS_PAGING_4LEVEL && paging != HVS_PAGING_5LEVEL))
                return -EINVAL;
        hvs_vas *as = hvs_calloc(1, sizeof *as);
        if (!as)
                return -ENOMEM;
        as->mem = m;
        as->root = root;
        as->paging = paging;
        *ret = as;
        return 0;
}

hvs_vas *hvs_vas_free(hvs_vas *as) {
        free(as);
        return NULL;
}

hvs_mem *hvs_vas_mem(const hvs_vas *as) { return as->mem; }
hvs_gpa hvs_vas_root(const hvs_vas *as) { return as->root; }
enum hvs_paging hvs_vas_paging(const hvs_vas *as) { return as->paging; }
hvs_vas_stats hvs_vas_get_stats(const hvs_vas *as) { return as->stats; }

void hvs_vas_flush(hvs_vas *as) {
        memset(as->tlb, 0, sizeof as->tlb);
}

int hvs_vas_translate(hvs_vas *as, hvs_gva gva, hvs_gpa *ret) {
        uint64_t page = gva.v & PAGE_MASK;
        struct tlb_slot *s = &as->tlb[(gva.v >> PAGE_SHIFT) & (HVS_VAS_TLB_ENTRIES - 1)];
        if (s->tag == (page | TAG_VALID)) {
                as->stats.hits++;
                *ret = HVS_GPA(s->pfa | (gva.v & ~PAGE_MASK));
                return 0;
        }
        as->stats.misses++;
        hvs_gpa pa;
        int r = hvs_x86_translate(as->mem, as->root, as->paging, gva, &pa, NULL);
        if (r < 0) {
                as->stats.walks_failed++;
                return r;
        }
        s->tag = page | TAG_VALID;
        s->pfa = pa.v & PAGE_MASK;
        *ret = pa;
        return 0;
}

int hvs_vas_read(hvs_vas *as, hvs_gva gva, void *buf, size_t len) {
        if (len == 0)
                return 0;
        /* The last byte, not one past it, must not wrap: the top page is readable. */
        uint64_t last;
        if (hvs_add_overflow(gva.v, (uint64_t)len - 1, &last))
                return -EFAULT;
        uint8_t *out = buf;
        uint64_t va = gva.v;
        for (;;) {
                uint64_t chunk = MIN(X86_PAGE_SIZE_4K - (va & ~PAGE_MASK), last - va + 1);
                hvs_gpa pa;
                int r = hvs_vas_translate(as, HVS_GVA(va), &pa);
                if (r < 0)
                        return r;
                r = hvs_mem_read(as->mem, pa, out, (size_t)chunk);
                if (r < 0)
                        return r;
                out += chunk;
                if (va + (chunk - 1) == last)
                        return 0;
                va += chunk;
        }
}

int hvs_vas_read_u64(hvs_vas *as, hvs_gva gva, uint64_t *ret) {
        uint8_t raw[8];
        int r = hvs_vas_read(as, gva, raw, sizeof raw);
        if (r < 0)
                return r;
        *ret = hvs_le64(raw);
        return 0;
}

int hvs_vas_read_u32(hvs_vas *as, hvs_gva gva, uint32_t *ret) {
        uint8_t raw[4];
        int r = hvs_vas_read(as, gva, raw, sizeof raw);
        if (r < 0)
                return r;
        *ret = hvs_le32(raw);
        return 0;
}

int hvs_vas_read_str(hvs_vas *as, hvs_gva gva, char *buf, size_t cap) {
        if (cap == 0)
                return -EINVAL;
        /* The length is returned as an int; a larger cap could not be reported. */
        if (cap > (size_t)INT_MAX)
                cap = (size_t)INT_MAX;
        /*
         * Up to @cap bytes are scanned, so a string of exactly cap - 1 bytes
         * still finds its NUL. Reads stop at page boundaries, so a string
         * that ends just before an unmapped page is read without touching it.
         */
        size_t pos = 0;
        while (pos < cap) {
                uint64_t va;
                if (hvs_add_overflow(gva.v, (uint64_t)pos, &va)) {
                        buf[pos] = '\0';
                        return -EFAULT;
                }
                size_t chunk = (size_t)MIN(X86_PAGE_SIZE_4K - (va & ~PAGE_MASK), (uint64_t)(cap - pos));
                int r = hvs_vas_read(as, HVS_GVA(va), buf + pos, chunk);
                if (r < 0) {
                        buf[pos] = '\0';
                        /*
                         * Having scanned cap - 1 bytes with no NUL already
                         * proves the string is too long, whatever lies past.
                         */
                        return pos > 0 && pos == cap - 1 && r == -EFAULT ? -E2BIG : r;
                }
                const char *nul = memchr(buf + pos, '\0', chunk);
                if (nul)
                        return (int)(nul - buf);
                pos += chunk;
        }
        buf[cap - 1] = '\0';
        return -E2BIG;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-x86-walk.c - the page-table walker and vas readers on hostile tables.
 *
 * Input: u64 LE root (CR3, flag bits and all), u64 LE gva, one byte whose
 * bit 0 selects 5-level paging, then guest RAM at gpa 0. Besides "no crash,
 * no hang", it checks invariants a walk must keep whatever the tables say:
 * the page offset survives, the page size is one of three, the frame fits in
 * 52 bits, and the cached path agrees with the uncached one. The range
 * walker runs over the 64 MiB around the address: its leaves come in
 * ascending order, inside the range, with valid sizes, and it reads no more
 * tables than its cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hvscope/vas.h>
#include "arch/x86/x86.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER 17

static void check_translation(hvs_mem *m, hvs_vas *as, hvs_gpa root, enum hvs_paging paging,
                              uint64_t va) {
        hvs_gpa pa = HVS_GPA(0), cached = HVS_GPA(0);
        uint64_t page = 0;
        uint32_t flags = 0;
        int r = hvs_x86_translate_ex(m, root, paging, HVS_GVA(va), &pa, &page, &flags);
        if (r == 0) {
                if (page != X86_PAGE_SIZE_4K && page != X86_PAGE_SIZE_2M && page != X86_PAGE_SIZE_1G)
                        abort();
                if ((pa.v & (page - 1)) != (va & (page - 1)) || pa.v >> 52)
                        abort();
                if (flags & ~(uint32_t)(HVS_X86_PAGE_WRITABLE | HVS_X86_PAGE_USER | HVS_X86_PAGE_NX))
                        abort();
        } else if (r != -EFAULT && r != -EBADMSG) {
                abort();
        }
        /* Twice: a miss that fills the cache, then (on success) a hit. */
        for (int i = 0; i < 2; i++) {
                int rc = hvs_vas_translate(as, HVS_GVA(va), &cached);
                if (rc != r || (r == 0 && cached.v != pa.v))
                        abort();
        }
}

struct range_check {
        uint64_t lo, hi, next, n;
};

static int on_leaf(void *ud, const struct hvs_x86_leaf *l) {
        struct range_check *rc = ud;
        if (l->va < rc->lo || l->size == 0 || l->va + l->size > rc->hi || l->va < rc->next || l->pa >> 52 ||
            (l->page_size != X86_PAGE_SIZE_4K && l->page_size != X86_PAGE_SIZE_2M && l->page_size != X86_PAGE_SIZE_1G) ||
            l->size > l->page_size || (l->pa & (l->page_size - 1)) != (l->va & (l->page_size - 1)))
                abort();
        rc->next = l->va + l->size;
        rc->n++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size <= HEADER)
                return 0;
        hvs_gpa root = HVS_GPA(hvs_le64(data));
        uint64_t gva = hvs_le64(data + 8);
        enum hvs_paging paging = data[16] & 1 ? HVS_PAGING_5LEVEL : HVS_PAGING_4LEVEL;

        hvs_mem *m = NULL;
        if (hvs_mem_open_buffer(data + HEADER, size - HEADER, &m) < 0)
                return 0;
        hvs_vas *as = NULL;
        if (hvs_vas_new(m, root, paging, &as) < 0) {
                hvs_mem_close(m);
                return 0;
        }

        /* The input address and its neighbours in each page size. */
        static const uint64_t deltas[] = { 0, 0x1000, 0x200000, 0x40000000, 0x8000000000ull };
        for (size_t i = 0; i < ARRAY_SIZE(deltas); i++) {
                check_translation(m, as, root, paging, gva + deltas[i]);
                check_translation(m, as, root, paging, gva - deltas[i]);
        }

        /* The range walk over the 64 MiB around gva (when that is one canonical half). */
        struct range_check rc = { .lo = (gva & ~0x3ffffffull) - 0x2000000, .hi = (gva & ~0x3ffffffull) + 0x2000000 };
        struct hvs_x86_range_stats st;
        int rr = hvs_x86_walk_range(m, root, paging, HVS_GVA(rc.lo), HVS_GVA(rc.hi), 64, on_leaf, &rc, &st);
        if (rr == 0 || rr == -E2BIG) {
                if (st.tables > 64 || st.leaves != rc.n)
                        abort();
        } else if (rr != -EINVAL && rr != -EIO) {
                abort();
        }

        uint8_t buf[0x2000];
        uint64_t v64;
        uint32_t v32;
        char str[64];
        (void)!hvs_vas_read(as, HVS_GVA(gva), buf, 16);
        (void)!hvs_vas_read(as, HVS_GVA(gva - 100), buf, sizeof buf);
        (void)!hvs_vas_read_u64(as, HVS_GVA((gva & ~0xfffull) | 0xffc), &v64);
        (void)!hvs_vas_read_u32(as, HVS_GVA(gva + 6), &v32);
        int n = hvs_vas_read_str(as, HVS_GVA(gva), str, sizeof str);
        if (n >= (int)sizeof str || ((n >= 0 || n == -E2BIG) && strlen(str) >= sizeof str))
                abort();
        if (n >= 0 && strlen(str) != (size_t)n)
                abort();

        hvs_vas_free(as);
        hvs_mem_close(m);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-x86.c - the x86-64 walker (walk.c) and address spaces (vas.c) on fake
 * guests. Every test that does not depend on the paging mode runs twice,
 * under 4-level and 5-level paging ("<name>/4-level", "<name>/5-level").
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/vas.h>
#include "arch/x86/x86.h"
#include "util/util.h"
#include "fake_guest.h"

#define RAM_SIZE (16u << 20)
/* Linux's direct-map base: canonical under both 4- and 5-level paging. */
#define KVA 0xffff888000000000ull
#define RWX (X86_PTE_RW)

static int setup_paging(void **state, enum hvs_paging paging) {
        struct fake_guest *g;
        int r = fake_guest_new(RAM_SIZE, paging, &g);
        if (r < 0)
                return r;
        *state = g;
        return 0;
}
static int setup_4level(void **state) { return setup_paging(state, HVS_PAGING_4LEVEL); }
static int setup_5level(void **state) { return setup_paging(state, HVS_PAGING_5LEVEL); }
static int teardown(void **state) {
        fake_guest_free(*state);
        return 0;
}

static int xlate(struct fake_guest *g, uint64_t va, uint64_t *ret_pa, uint64_t *ret_size) {
        hvs_gpa pa = HVS_GPA(0xdeadbeef);
        uint64_t size = 0;
        int r = hvs_x86_translate(g->mem, g->root, g->paging, HVS_GVA(va), &pa, &size);
        if (ret_pa)
                *ret_pa = pa.v;
        if (ret_size)
                *ret_size = size;
        return r;
}

static hvs_vas *new_vas(struct fake_guest *g) {
        hvs_vas *as = NULL;
        assert_int_equal(hvs_vas_new(g->mem, g->root, g->paging, &as), 0);
        return as;
}

/* ---- page sizes ---- */

static void test_walk_4k_page(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa, size;
        fake_map(g, HVS_GVA(KVA + 0x123000), HVS_GPA(0x5000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(xlate(g, KVA + 0x123abc, &pa, &size), 0);
        assert_int_equal(pa, 0x5abc);
        assert_int_equal(size, X86_PAGE_SIZE_4K);
        assert_int_equal(xlate(g, KVA + 0x124000, NULL, NULL), -EFAULT);
        assert_int_equal(xlate(g, KVA + 0x122fff, NULL, NULL), -EFAULT);
}

static void test_walk_2mib_large_page(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa, size;
        fake_map(g, HVS_GVA(KVA + 0x200000), HVS_GPA(0x400000), X86_PAGE_SIZE_2M, RWX);
        assert_int_equal(xlate(g, KVA + 0x212345, &pa, &size), 0);
        assert_int_equal(pa, 0x412345);
        assert_int_equal(size, X86_PAGE_SIZE_2M);
        assert_int_equal(xlate(g, KVA + 0x3fffff, &pa, NULL), 0);
        assert_int_equal(pa, 0x5fffff);
        assert_int_equal(xlate(g, KVA + 0x400000, NULL, NULL), -EFAULT);
}

static void test_walk_1gib_large_page(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa, size;
        /* The target lies beyond RAM: translation reads only the tables. */
        fake_map(g, HVS_GVA(KVA + 0x40000000), HVS_GPA(0x40000000), X86_PAGE_SIZE_1G, RWX);
        assert_int_equal(xlate(g, KVA + 0x52345678, &pa, &size), 0);
        assert_int_equal(pa, 0x52345678);
        assert_int_equal(size, X86_PAGE_SIZE_1G);
        assert_int_equal(xlate(g, KVA + 0x80000000, NULL, NULL), -EFAULT);
}

static void test_walk_last_pte_index_511(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa;
        /* Every index of this address is 511, at every level in both modes. */
        fake_map(g, HVS_GVA(0xfffffffffffff000), HVS_GPA(0x7000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(fake_entry_gpa(g, g->root, HVS_GVA(0xfffffffffffff000), FAKE_PT).v & 0xfff,
                         0xff8);
        assert_int_equal(xlate(g, 0xffffffffffffffff, &pa, NULL), 0);
        assert_int_equal(pa, 0x7fff);
        assert_int_equal(xlate(g, 0xfffffffffffff000, &pa, NULL), 0);
        assert_int_equal(pa, 0x7000);
        assert_int_equal(xlate(g, 0xffffffffffffe000, NULL, NULL), -EFAULT);
}

static void test_walk_first_pte_index_0(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa;
        fake_map(g, HVS_GVA(0), HVS_GPA(0x3000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(xlate(g, 0x10, &pa, NULL), 0);
        assert_int_equal(pa, 0x3010);
}

/* ---- canonical addresses ---- */

static void test_canonical_hole_4level(void **state) {
        (void)state;
        enum hvs_paging p4 = HVS_PAGING_4LEVEL, p5 = HVS_PAGING_5LEVEL;
        assert_true(hvs_gva_canonical(HVS_GVA(0x00007fffffffffff), p4));
        assert_false(hvs_gva_canonical(HVS_GVA(0x0000800000000000), p4));
        assert_false(hvs_gva_canonical(HVS_GVA(0xffff7fffffffffff), p4));
        assert_true(hvs_gva_canonical(HVS_GVA(0xffff800000000000), p4));
        /* The 4-level hole is ordinary address space under LA57. */
        assert_true(hvs_gva_canonical(HVS_GVA(0x0000800000000000), p5));
        assert_true(hvs_gva_canonical(HVS_GVA(0xffff7fffffffffff), p5));
}

static void test_canonical_hole_5level(void **state) {
        (void)state;
        enum hvs_paging p5 = HVS_PAGING_5LEVEL;
        assert_true(hvs_gva_canonical(HVS_GVA(0x00ffffffffffffff), p5));
        assert_false(hvs_gva_canonical(HVS_GVA(0x0100000000000000), p5));
        assert_false(hvs_gva_canonical(HVS_GVA(0xfeffffffffffffff), p5));
        assert_true(hvs_gva_canonical(HVS_GVA(0xff00000000000000), p5));
        assert_false(hvs_gva_canonical(HVS_GVA(0x8000000000000000), p5));
        assert_false(hvs_gva_canonical(HVS_GVA(0), (enum hvs_paging)3));
}

static void test_canonical_highest_addresses(void **state) {
        (void)state;
        for (int p = HVS_PAGING_4LEVEL; p <= HVS_PAGING_5LEVEL; p++) {
                assert_true(hvs_gva_canonical(HVS_GVA(0xffffffffffffffff), (enum hvs_paging)p));
                assert_true(hvs_gva_canonical(HVS_GVA(0), (enum hvs_paging)p));
                assert_false(hvs_gva_canonical(HVS_GVA(0x7fffffffffffffff), (enum hvs_paging)p));
        }
}

static void test_walk_non_canonical_efault(void **state) {
        struct fake_guest *g = *state;
        /* Index bits of a non-canonical address alias a mapped page; still -EFAULT. */
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x1000), X86_PAGE_SIZE_4K, RWX);
        uint64_t alias = KVA & ~(1ull << 62);
        assert_false(hvs_gva_canonical(HVS_GVA(alias), g->paging));
        assert_int_equal(xlate(g, alias, NULL, NULL), -EFAULT);
        if (g->paging == HVS_PAGING_4LEVEL)
                assert_int_equal(xlate(g, 0x0000800000000000, NULL, NULL), -EFAULT);
}

static void test_walk_5level_maps_4level_hole(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa;
        fake_map(g, HVS_GVA(0x0000800000000000), HVS_GPA(0x9000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(xlate(g, 0x0000800000000123, &pa, NULL), 0);
        assert_int_equal(pa, 0x9123);
        /* The top of the 57-bit lower half, index 255 at PML5. */
        fake_map(g, HVS_GVA(0x00fffffffffff000), HVS_GPA(0xa000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(xlate(g, 0x00ffffffffffffff, &pa, NULL), 0);
        assert_int_equal(pa, 0xafff);
}

static void test_vas_read_across_canonical_hole_efault(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(0x00007ffffffff000), HVS_GPA(0x2000), X86_PAGE_SIZE_4K, RWX);
        hvs_vas *as = new_vas(g);
        uint8_t buf[16];
        assert_int_equal(hvs_vas_read(as, HVS_GVA(0x00007ffffffffff0), buf, 16), 0);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(0x00007ffffffffff8), buf, 16), -EFAULT);
        hvs_vas_free(as);
}

/* ---- broken tables ---- */

static void test_walk_not_present_each_level(void **state) {
        struct fake_guest *g = *state;
        hvs_gva va = HVS_GVA(KVA + 0x5000);
        fake_map(g, va, HVS_GPA(0x5000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(xlate(g, va.v, NULL, NULL), 0);
        for (int level = (int)g->paging; level >= FAKE_PT; level--) {
                uint64_t e = fake_entry_get(g, g->root, va, (enum fake_level)level);
                /* Only P cleared: the rest of the entry still looks valid. */
                fake_entry_set(g, g->root, va, (enum fake_level)level, e & ~X86_PTE_P);
                assert_int_equal(xlate(g, va.v, NULL, NULL), -EFAULT);
                fake_entry_set(g, g->root, va, (enum fake_level)level, e);
                assert_int_equal(xlate(g, va.v, NULL, NULL), 0);
        }
}

static void test_walk_table_outside_ram_efault(void **state) {
        struct fake_guest *g = *state;
        hvs_gva va = HVS_GVA(KVA + 0x5000);
        fake_map(g, va, HVS_GPA(0x5000), X86_PAGE_SIZE_4K, RWX);
        for (int level = (int)g->paging; level > FAKE_PT; level--) {
                uint64_t e = fake_entry_get(g, g->root, va, (enum fake_level)level);
                fake_entry_set(g, g->root, va, (enum fake_level)level,
                               X86_PHYS_MASK | X86_PTE_P | X86_PTE_RW);
                assert_int_equal(xlate(g, va.v, NULL, NULL), -EFAULT);
                /* Just past the end of RAM, the first address that is not. */
                fake_entry_set(g, g->root, va, (enum fake_level)level,
                               RAM_SIZE | X86_PTE_P | X86_PTE_RW);
                assert_int_equal(xlate(g, va.v, NULL, NULL), -EFAULT);
                fake_entry_set(g, g->root, va, (enum fake_level)level, e);
        }
        /* The root itself outside RAM. */
        hvs_gpa pa;
        assert_int_equal(hvs_x86_translate(g->mem, HVS_GPA(0x000ffffffffff000), g->paging, va, &pa, NULL),
                         -EFAULT);
}

static void test_walk_ps_at_pml4_ebadmsg(void **state) {
        struct fake_guest *g = *state;
        hvs_gva va = HVS_GVA(KVA);
        fake_map(g, va, HVS_GPA(0x5000), X86_PAGE_SIZE_4K, RWX);
        uint64_t e = fake_entry_get(g, g->root, va, FAKE_PML4);
        fake_entry_set(g, g->root, va, FAKE_PML4, e | X86_PTE_PS);
        hvs_gpa pa = HVS_GPA(42);
        assert_int_equal(hvs_x86_translate(g->mem, g->root, g->paging, va, &pa, NULL), -EBADMSG);
        assert_int_equal(pa.v, 42);    /* output untouched on failure */
        assert_non_null(strstr(hvs_mem_errmsg(g->mem), "PML4"));
        fake_entry_set(g, g->root, va, FAKE_PML4, e);
        if (g->paging == HVS_PAGING_5LEVEL) {
                e = fake_entry_get(g, g->root, va, FAKE_PML5);
                fake_entry_set(g, g->root, va, FAKE_PML5, e | X86_PTE_PS);
                assert_int_equal(xlate(g, va.v, NULL, NULL), -EBADMSG);
                assert_non_null(strstr(hvs_mem_errmsg(g->mem), "PML5"));
        }
}

static void test_walk_pat_bit_in_4k_pte_is_not_ps(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa, size;
        fake_map(g, HVS_GVA(KVA + 0x7000), HVS_GPA(0x7000), X86_PAGE_SIZE_4K, RWX | X86_PTE_PAT_4K);
        assert_int_equal(xlate(g, KVA + 0x7008, &pa, &size), 0);
        assert_int_equal(pa, 0x7008);
        assert_int_equal(size, X86_PAGE_SIZE_4K);
}

static uint64_t self_map_va(enum hvs_paging paging, unsigned idx, unsigned off) {
        uint64_t va = off;
        for (unsigned level = 1; level <= (unsigned)paging; level++)
                va |= (uint64_t)idx << (12 + 9 * (level - 1));
        unsigned bits = paging == HVS_PAGING_5LEVEL ? 57 : 48;
        if (va >> (bits - 1) & 1)
                va |= ~0ull << bits;
        return va;
}

static void test_walk_self_referencing_table(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa, size;
        /*
         * A recursive slot (Windows' self-map): the top table points at itself,
         * so the address with that index at every level maps the root page.
         */
        fake_write_u64(g, HVS_GPA(g->root.v + 510 * 8), g->root.v | X86_PTE_P | X86_PTE_RW);
        assert_int_equal(xlate(g, self_map_va(g->paging, 510, 0x8), &pa, &size), 0);
        assert_int_equal(pa, g->root.v + 8);
        assert_int_equal(size, X86_PAGE_SIZE_4K);
        hvs_vas *as = new_vas(g);
        uint64_t v;
        assert_int_equal(hvs_vas_read_u64(as, HVS_GVA(self_map_va(g->paging, 510, 510 * 8)), &v), 0);
        assert_int_equal(v, g->root.v | X86_PTE_P | X86_PTE_RW);
        hvs_vas_free(as);

        /* A lower table that points at itself at every index: still bounded. */
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x1000), X86_PAGE_SIZE_4K, RWX);
        hvs_gpa pd = HVS_GPA(fake_entry_get(g, g->root, HVS_GVA(KVA), FAKE_PDPT) & X86_PHYS_MASK);
        for (unsigned i = 0; i < 512; i++)
                fake_write_u64(g, HVS_GPA(pd.v + i * 8), pd.v | X86_PTE_P | X86_PTE_RW);
        assert_int_equal(xlate(g, KVA + 0x1234, &pa, NULL), 0);
        assert_int_equal(pa, pd.v + 0x234);
}

static void test_walk_nx_and_high_bits_ignored(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa;
        hvs_gva va = HVS_GVA(KVA + 0x3000);
        const uint64_t high = 0xfff0000000000000ull;   /* NX, protection keys, software bits */
        fake_map(g, va, HVS_GPA(0x3000), X86_PAGE_SIZE_4K, RWX | high);
        for (int level = (int)g->paging; level > FAKE_PT; level--) {
                uint64_t e = fake_entry_get(g, g->root, va, (enum fake_level)level);
                fake_entry_set(g, g->root, va, (enum fake_level)level, e | high);
        }
        assert_int_equal(xlate(g, va.v + 0x42, &pa, NULL), 0);
        assert_int_equal(pa, 0x3042);
        /* Low flag bits of the root (CR3 PCID) and its bit 63 are not address bits. */
        hvs_gpa r;
        assert_int_equal(hvs_x86_translate(g->mem, HVS_GPA(g->root.v | 0x8000000000000fffull), g->paging,
                                           HVS_GVA(va.v + 1), &r, NULL), 0);
        assert_int_equal(r.v, 0x3001);
}

static void test_walk_pat_bit_in_large_pages(void **state) {
        struct fake_guest *g = *state;
        uint64_t pa;
        fake_map(g, HVS_GVA(KVA + 0x200000), HVS_GPA(0x400000), X86_PAGE_SIZE_2M,
                 RWX | X86_PTE_PAT_LARGE);
        assert_int_equal(xlate(g, KVA + 0x200000, &pa, NULL), 0);
        assert_int_equal(pa, 0x400000);
        assert_int_equal(xlate(g, KVA + 0x200010, &pa, NULL), 0);
        assert_int_equal(pa, 0x400010);
        fake_map(g, HVS_GVA(KVA + 0x40000000), HVS_GPA(0x40000000), X86_PAGE_SIZE_1G,
                 RWX | X86_PTE_PAT_LARGE);
        assert_int_equal(xlate(g, KVA + 0x40000000, &pa, NULL), 0);
        assert_int_equal(pa, 0x40000000);
        /* Reserved frame bits 13..20 of a 2 MiB leaf do not shift the address either. */
        hvs_gva va = HVS_GVA(KVA + 0x600000);
        fake_map(g, va, HVS_GPA(0x800000), X86_PAGE_SIZE_2M, RWX);
        fake_entry_set(g, g->root, va, FAKE_PD, fake_entry_get(g, g->root, va, FAKE_PD) | 0x1fe000);
        assert_int_equal(xlate(g, va.v + 0x1234, &pa, NULL), 0);
        assert_int_equal(pa, 0x801234);
}

static void test_walk_permissions_accumulate(void **state) {
        struct fake_guest *g = *state;
        hvs_gva va = HVS_GVA(0x0000400000001000);
        hvs_gpa pa;
        uint64_t size;
        uint32_t f = 0;
        fake_map(g, va, HVS_GPA(0x1000), X86_PAGE_SIZE_4K, X86_PTE_RW | X86_PTE_US);
        assert_int_equal(hvs_x86_translate_ex(g->mem, g->root, g->paging, va, &pa, &size, &f), 0);
        assert_int_equal(f, HVS_X86_PAGE_WRITABLE | HVS_X86_PAGE_USER);

        uint64_t pd = fake_entry_get(g, g->root, va, FAKE_PD);
        fake_entry_set(g, g->root, va, FAKE_PD, pd & ~X86_PTE_RW);
        assert_int_equal(hvs_x86_translate_ex(g->mem, g->root, g->paging, va, &pa, NULL, &f), 0);
        assert_int_equal(f, HVS_X86_PAGE_USER);

        uint64_t top = fake_entry_get(g, g->root, va, (enum fake_level)g->paging);
        fake_entry_set(g, g->root, va, (enum fake_level)g->paging, (top & ~X86_PTE_US) | X86_PTE_NX);
        assert_int_equal(hvs_x86_translate_ex(g->mem, g->root, g->paging, va, &pa, NULL, &f), 0);
        assert_int_equal(f, HVS_X86_PAGE_NX);

        /* A kernel direct-map page: writable, supervisor, NX. */
        fake_map_direct(g, HVS_GVA(KVA));
        assert_int_equal(hvs_x86_translate_ex(g->mem, g->root, g->paging, HVS_GVA(KVA + 0x1000), &pa,
                                              &size, &f), 0);
        assert_int_equal(f, HVS_X86_PAGE_WRITABLE | HVS_X86_PAGE_NX);
        assert_int_equal(size, X86_PAGE_SIZE_2M);
        assert_int_equal(pa.v, 0x1000);
}

static void test_walk_bad_paging_einval(void **state) {
        struct fake_guest *g = *state;
        hvs_gpa pa;
        hvs_vas *as = NULL;
        assert_int_equal(hvs_x86_translate(g->mem, g->root, (enum hvs_paging)3, HVS_GVA(0), &pa, NULL),
                         -EINVAL);
        assert_int_equal(hvs_x86_translate(g->mem, g->root, (enum hvs_paging)6, HVS_GVA(0), &pa, NULL),
                         -EINVAL);
        assert_int_equal(hvs_vas_new(g->mem, g->root, (enum hvs_paging)0, &as), -EINVAL);
        assert_null(as);
}

static void test_walk_fixture_agrees(void **state) {
        struct fake_guest *g = *state;
        /* A mixed layout, checked against the fixture's independent walk. */
        fake_map_range(g, HVS_GVA(0x0000555555554000), HVS_GPA(0x100000), 0x5000, X86_PTE_US);
        fake_map(g, HVS_GVA(0xffffffff81000000), HVS_GPA(0x1000000 - 0x200000), X86_PAGE_SIZE_2M, 0);
        fake_map(g, HVS_GVA(KVA + 0x40000000), HVS_GPA(0x40000000), X86_PAGE_SIZE_1G, RWX);
        static const uint64_t probes[] = {
                0x0000555555554000, 0x0000555555558fff, 0x0000555555559000, 0xffffffff81000000,
                0xffffffff811fffff, 0xffffffff81200000, KVA + 0x40000000,   KVA + 0x7fffffff,
                KVA + 0x80000000,   0,                  0xfffffffffffff000, 0x00007fffffffffff,
        };
        for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
                hvs_gpa want = HVS_GPA(0), got = HVS_GPA(1);
                int rw = fake_virt_to_phys(g, g->root, HVS_GVA(probes[i]), &want);
                int rg = hvs_x86_translate(g->mem, g->root, g->paging, HVS_GVA(probes[i]), &got, NULL);
                assert_int_equal(rg, rw);
                if (rg == 0)
                        assert_int_equal(got.v, want.v);
        }
}

/* ---- address spaces ---- */

static void test_vas_getters(void **state) {
        struct fake_guest *g = *state;
        hvs_vas *as = new_vas(g);
        assert_ptr_equal(hvs_vas_mem(as), g->mem);
        assert_int_equal(hvs_vas_root(as).v, g->root.v);
        assert_int_equal(hvs_vas_paging(as), g->paging);
        hvs_vas_stats st = hvs_vas_get_stats(as);
        assert_int_equal(st.hits + st.misses + st.walks_failed, 0);
        assert_null(hvs_vas_free(as));
        assert_null(hvs_vas_free(NULL));
}

static void test_vas_new_enomem(void **state) {
        struct fake_guest *g = *state;
        hvs_vas *as = NULL;
        hvs_test_fail_alloc_after(0);
        int r = hvs_vas_new(g->mem, g->root, g->paging, &as);
        hvs_test_fail_alloc_after(UINT_MAX);
        assert_int_equal(r, -ENOMEM);
        assert_null(as);
}

static void test_vas_read_cross_page(void **state) {
        struct fake_guest *g = *state;
        /* Two adjacent virtual pages backed by non-adjacent, reversed frames. */
        fake_map(g, HVS_GVA(KVA + 0x10000), HVS_GPA(0x30000), X86_PAGE_SIZE_4K, RWX);
        fake_map(g, HVS_GVA(KVA + 0x11000), HVS_GPA(0x20000), X86_PAGE_SIZE_4K, RWX);
        fake_write(g, HVS_GPA(0x30ff8), "ABCDEFGH", 8);
        fake_write(g, HVS_GPA(0x20000), "IJKLMNOP", 8);
        hvs_vas *as = new_vas(g);
        char buf[17] = { 0 };
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x10ff8), buf, 16), 0);
        assert_string_equal(buf, "ABCDEFGHIJKLMNOP");
        /* A read of many pages, not page aligned at either end. */
        uint8_t big[0x2000 + 3];
        fake_map_range(g, HVS_GVA(KVA + 0x100000), HVS_GPA(0x100000), 0x4000, RWX);
        for (size_t i = 0; i < 0x4000; i++)
                g->ram[0x100000 + i] = (uint8_t)(i * 7);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x100ffe), big, sizeof big), 0);
        assert_memory_equal(big, g->ram + 0x100ffe, sizeof big);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA), big, 0), 0);
        hvs_vas_free(as);
}

static void test_vas_read_second_page_unmapped_efault(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(KVA + 0x10000), HVS_GPA(0x30000), X86_PAGE_SIZE_4K, RWX);
        hvs_vas *as = new_vas(g);
        uint8_t buf[16];
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x10ff0), buf, 16), 0);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x10ff8), buf, 16), -EFAULT);
        uint64_t v = 0x1122334455667788;
        assert_int_equal(hvs_vas_read_u64(as, HVS_GVA(KVA + 0x10ffc), &v), -EFAULT);
        assert_int_equal(v, 0x1122334455667788);       /* untouched */
        /* Mapped page, then a page whose frame is outside RAM. */
        fake_map(g, HVS_GVA(KVA + 0x11000), HVS_GPA(0x40000000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x10ff8), buf, 16), -EFAULT);
        hvs_vas_free(as);
}

static void test_vas_read_large_pages(void **state) {
        struct fake_guest *g = *state;
        /* Two 2 MiB pages, virtually adjacent, physically swapped. */
        fake_map(g, HVS_GVA(KVA + 0x200000), HVS_GPA(0x600000), X86_PAGE_SIZE_2M, RWX);
        fake_map(g, HVS_GVA(KVA + 0x400000), HVS_GPA(0x200000), X86_PAGE_SIZE_2M, RWX);
        fake_write(g, HVS_GPA(0x7ffffc), "abcd", 4);
        fake_write(g, HVS_GPA(0x200000), "efgh", 4);
        hvs_vas *as = new_vas(g);
        char buf[9] = { 0 };
        assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x3ffffc), buf, 8), 0);
        assert_string_equal(buf, "abcdefgh");
        hvs_vas_free(as);
}

static void test_vas_read_u64_u32_little_endian(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x8000), X86_PAGE_SIZE_4K, RWX);
        fake_map(g, HVS_GVA(KVA + 0x1000), HVS_GPA(0x4000), X86_PAGE_SIZE_4K, RWX);
        static const uint8_t raw[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
        fake_write(g, HVS_GPA(0x8ffc), raw, 4);
        fake_write(g, HVS_GPA(0x4000), raw + 4, 4);
        hvs_vas *as = new_vas(g);
        uint64_t v64;
        uint32_t v32;
        assert_int_equal(hvs_vas_read_u64(as, HVS_GVA(KVA + 0xffc), &v64), 0);  /* straddles */
        assert_int_equal(v64, 0x0807060504030201);
        assert_int_equal(hvs_vas_read_u32(as, HVS_GVA(KVA + 0xffc), &v32), 0);
        assert_int_equal(v32, 0x04030201);
        v32 = 7;
        assert_int_equal(hvs_vas_read_u32(as, HVS_GVA(KVA + 0x1ffe), &v32), -EFAULT);
        assert_int_equal(v32, 7);
        hvs_vas_free(as);
}

static void test_vas_read_wrap_efault(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(0xffffffffffffe000), HVS_GPA(0x2000), X86_PAGE_SIZE_4K, RWX);
        fake_map(g, HVS_GVA(0xfffffffffffff000), HVS_GPA(0x3000), X86_PAGE_SIZE_4K, RWX);
        fake_map(g, HVS_GVA(0), HVS_GPA(0x4000), X86_PAGE_SIZE_4K, RWX);
        hvs_vas *as = new_vas(g);
        uint8_t buf[0x2000];
        /* The very last bytes of the address space are readable... */
        assert_int_equal(hvs_vas_read(as, HVS_GVA(0xffffffffffffeff8), buf, 16), 0);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(0xffffffffffffe000), buf, 0x2000), 0);
        uint64_t v;
        assert_int_equal(hvs_vas_read_u64(as, HVS_GVA(0xfffffffffffffff8), &v), 0);
        /* ...but a read never wraps around to page 0, though it is mapped. */
        assert_int_equal(hvs_vas_read(as, HVS_GVA(0xfffffffffffffff8), buf, 9), -EFAULT);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(0xfffffffffffff000), buf, 0x2000), -EFAULT);
        assert_int_equal(hvs_vas_read(as, HVS_GVA(2), buf, SIZE_MAX), -EFAULT);
        char s[64];
        fake_write(g, HVS_GPA(0x3ffc), "abcd", 4);
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(0xfffffffffffffffc), s, sizeof s), -EFAULT);
        hvs_vas_free(as);
}

static void test_vas_read_str_across_pages(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x8000), X86_PAGE_SIZE_4K, RWX);
        fake_map(g, HVS_GVA(KVA + 0x1000), HVS_GPA(0x4000), X86_PAGE_SIZE_4K, RWX);
        fake_write(g, HVS_GPA(0x8ffb), "hello", 5);
        fake_write(g, HVS_GPA(0x4000), ", world", 8);
        hvs_vas *as = new_vas(g);
        char s[64];
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xffb), s, sizeof s), 12);
        assert_string_equal(s, "hello, world");
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0x1007), s, sizeof s), 0);
        assert_string_equal(s, "");
        hvs_vas_free(as);
}

static void test_vas_read_str_no_nul_e2big(void **state) {
        struct fake_guest *g = *state;
        fake_map_range(g, HVS_GVA(KVA), HVS_GPA(0x8000), 0x3000, RWX);
        memset(g->ram + 0x8000, 'A', 0x3000);
        hvs_vas *as = new_vas(g);
        char s[64];
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0), s, sizeof s), -E2BIG);
        assert_int_equal(strlen(s), sizeof s - 1);
        /* Bounded by cap even across several pages. */
        char big[0x2100];
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0x10), big, sizeof big), -E2BIG);
        assert_int_equal(strlen(big), sizeof big - 1);
        /* Exactly cap - 1 bytes fit. */
        g->ram[0x8000 + 0xff0 + 63] = '\0';
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0), s, sizeof s), 63);
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0), s, 63), -E2BIG);
        assert_int_equal(strlen(s), 62);
        /* cap 1: only the empty string fits. */
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0 + 63), s, 1), 0);
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA), s, 1), -E2BIG);
        assert_string_equal(s, "");
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA), s, 0), -EINVAL);
        hvs_vas_free(as);
}

static void test_vas_read_str_unmapped(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x8000), X86_PAGE_SIZE_4K, RWX);
        memset(g->ram + 0x8000, 'B', 0x1000);
        hvs_vas *as = new_vas(g);
        char s[64];
        /* Runs into the unmapped page with no NUL: the string cannot be read. */
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0), s, sizeof s), -EFAULT);
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0x1000), s, sizeof s), -EFAULT);
        /* A NUL in the last byte of the page: the next page is never touched. */
        g->ram[0x8fff] = '\0';
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0), s, sizeof s), 15);
        /* cap - 1 bytes with no NUL end the page: too long, whatever follows. */
        g->ram[0x8fff] = 'B';
        assert_int_equal(hvs_vas_read_str(as, HVS_GVA(KVA + 0xff0), s, 17), -E2BIG);
        assert_int_equal(strlen(s), 16);
        hvs_vas_free(as);
}

static void test_vas_tlb_hits_counted(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x8000), X86_PAGE_SIZE_4K, RWX);
        hvs_vas *as = new_vas(g);
        hvs_gpa pa;
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA + 0x10), &pa), 0);
        assert_int_equal(pa.v, 0x8010);
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA + 0xff0), &pa), 0);
        assert_int_equal(pa.v, 0x8ff0);
        hvs_vas_stats st = hvs_vas_get_stats(as);
        assert_int_equal(st.misses, 1);
        assert_int_equal(st.hits, 1);
        assert_int_equal(st.walks_failed, 0);
        /* Failures are counted and not cached: a later mapping is seen at once. */
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA + 0x1000), &pa), -EFAULT);
        fake_map(g, HVS_GVA(KVA + 0x1000), HVS_GPA(0x9000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA + 0x1000), &pa), 0);
        st = hvs_vas_get_stats(as);
        assert_int_equal(st.misses, 3);
        assert_int_equal(st.walks_failed, 1);
        /* An 8-byte read within one page costs one lookup. */
        uint64_t v;
        assert_int_equal(hvs_vas_read_u64(as, HVS_GVA(KVA + 0x100), &v), 0);
        assert_int_equal(hvs_vas_get_stats(as).hits, 2);
        hvs_vas_free(as);
}

static void test_vas_tlb_flush_forgets(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0x8000), X86_PAGE_SIZE_4K, RWX);
        hvs_vas *as = new_vas(g);
        hvs_gpa pa;
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA), &pa), 0);
        /* The guest "ran" and remapped the page: the cache still says 0x8000. */
        fake_map(g, HVS_GVA(KVA), HVS_GPA(0xa000), X86_PAGE_SIZE_4K, RWX);
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA), &pa), 0);
        assert_int_equal(pa.v, 0x8000);
        hvs_vas_flush(as);
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA), &pa), 0);
        assert_int_equal(pa.v, 0xa000);
        fake_unmap(g, HVS_GVA(KVA));
        hvs_vas_flush(as);
        assert_int_equal(hvs_vas_translate(as, HVS_GVA(KVA), &pa), -EFAULT);
        hvs_vas_stats st = hvs_vas_get_stats(as);
        assert_int_equal(st.hits, 1);
        assert_int_equal(st.misses, 3);
        hvs_vas_free(as);
}

static void test_vas_tlb_matches_uncached(void **state) {
        struct fake_guest *g = *state;
        fake_map_direct(g, HVS_GVA(KVA));
        fake_map_range(g, HVS_GVA(0x0000555555554000), HVS_GPA(0x300000), 0x40000, X86_PTE_US);
        fake_map(g, HVS_GVA(KVA + 0x40000000), HVS_GPA(0x40000000), X86_PAGE_SIZE_1G, RWX);
        hvs_vas *as = new_vas(g);
        /*
         * Addresses that collide in the direct-mapped cache (same low VPN bits),
         * large and small pages, holes; every lookup done three times so that
         * hits, misses and evictions all happen.
         */
        uint64_t seed = 0x9e3779b97f4a7c15;
        for (int round = 0; round < 3; round++) {
                uint64_t s = seed;
                for (int i = 0; i < 4000; i++) {
                        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                        uint64_t va;
                        switch (s % 5) {
                        case 0: va = KVA + (s >> 8) % (RAM_SIZE + 0x400000); break;
                        case 1: va = 0x0000555555554000 + (s >> 8) % 0x48000; break;
                        case 2: va = KVA + 0x40000000 + (s >> 8) % 0x80000000; break;
                        case 3: va = KVA + ((s >> 8) % 8) * HVS_VAS_TLB_ENTRIES * 4096 + 0x123; break;
                        default: va = s; break;  /* mostly non-canonical */
                        }
                        hvs_gpa a = HVS_GPA(1), b = HVS_GPA(2);
                        int ra = hvs_x86_translate(g->mem, g->root, g->paging, HVS_GVA(va), &a, NULL);
                        int rb = hvs_vas_translate(as, HVS_GVA(va), &b);
                        assert_int_equal(ra, rb);
                        if (ra == 0)
                                assert_int_equal(a.v, b.v);
                }
        }
        hvs_vas_stats st = hvs_vas_get_stats(as);
        assert_true(st.hits > 0);
        assert_true(st.misses > st.walks_failed);
        assert_int_equal(st.hits + st.misses, 3 * 4000);
        hvs_vas_free(as);
}

static void test_vas_read_same_with_and_without_cache(void **state) {
        struct fake_guest *g = *state;
        fake_map_direct(g, HVS_GVA(KVA));
        for (size_t i = 0; i < 0x100000; i++)
                g->ram[0x200000 + i] = (uint8_t)(i ^ (i >> 8));
        hvs_vas *as = new_vas(g);
        static uint8_t a[0x3000], b[0x3000];
        for (uint64_t off = 0; off < 0x100000 - sizeof a; off += 0x1777) {
                hvs_vas_flush(as);
                assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x200000 + off), a, sizeof a), 0);
                assert_int_equal(hvs_vas_read(as, HVS_GVA(KVA + 0x200000 + off), b, sizeof b), 0);
                assert_memory_equal(a, b, sizeof a);
                assert_memory_equal(a, g->ram + 0x200000 + off, sizeof a);
        }
        hvs_vas_free(as);
}

/* ---- range walk ---- */

#define MODS 0xffffffffc0000000ull

struct leaves {
        struct hvs_x86_leaf v[64];
        size_t n;
        int stop_at;            /* return -ECANCELED at this leaf (0 = never) */
};

static int collect(void *ud, const struct hvs_x86_leaf *l) {
        struct leaves *c = ud;
        if (c->stop_at && (int)c->n + 1 == c->stop_at)
                return -ECANCELED;
        assert_true(c->n < ARRAY_SIZE(c->v));
        c->v[c->n++] = *l;
        return 0;
}

static void test_range_walk_leaves(void **state) {
        struct fake_guest *g = *state;
        /* 4 KiB text (exec), data (NX), a hole, a 2 MiB page, and a page far above in the next PUD. */
        fake_map(g, HVS_GVA(MODS + 0x1000), HVS_GPA(0x10000), X86_PAGE_SIZE_4K, 0);
        fake_map(g, HVS_GVA(MODS + 0x2000), HVS_GPA(0x11000), X86_PAGE_SIZE_4K, RWX | X86_PTE_NX);
        fake_map(g, HVS_GVA(MODS + 0x400000), HVS_GPA(0x200000), X86_PAGE_SIZE_2M, 0);
        fake_map(g, HVS_GVA(MODS + 0x3e000000), HVS_GPA(0x12000), X86_PAGE_SIZE_4K, 0);
        fake_map(g, HVS_GVA(MODS - 0x1000), HVS_GPA(0x13000), X86_PAGE_SIZE_4K, 0);     /* below the range */
        struct leaves c = { 0 };
        struct hvs_x86_range_stats st;
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, HVS_GVA(MODS), HVS_GVA(0xffffffffff000000ull),
                                            4096, collect, &c, &st),
                         0);
        assert_int_equal(c.n, 4);
        assert_int_equal(st.leaves, 4);
        assert_int_equal(st.bad, 0);
        assert_int_equal(c.v[0].va, MODS + 0x1000);
        assert_int_equal(c.v[0].pa, 0x10000);
        assert_int_equal(c.v[0].size, 0x1000);
        assert_int_equal(c.v[0].flags & HVS_X86_PAGE_NX, 0);
        assert_int_equal(c.v[1].va, MODS + 0x2000);
        assert_true((c.v[1].flags & HVS_X86_PAGE_NX) && (c.v[1].flags & HVS_X86_PAGE_WRITABLE));
        assert_int_equal(c.v[2].va, MODS + 0x400000);
        assert_int_equal(c.v[2].page_size, X86_PAGE_SIZE_2M);
        assert_int_equal(c.v[2].size, X86_PAGE_SIZE_2M);
        assert_int_equal(c.v[3].va, MODS + 0x3e000000);
        /* Tables read: the top levels once each, one PD, two PTs: nothing below empty entries. */
        assert_int_equal(st.tables, (uint64_t)g->paging - 2 + 1 + 2);
}

static void test_range_walk_clips(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(MODS + 0x200000), HVS_GPA(0x200000), X86_PAGE_SIZE_2M, 0);
        struct leaves c = { 0 };
        /* A range inside the large page: one leaf, clipped, its pa offset kept. */
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, HVS_GVA(MODS + 0x201000),
                                            HVS_GVA(MODS + 0x203000), 4096, collect, &c, NULL),
                         0);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.v[0].va, MODS + 0x201000);
        assert_int_equal(c.v[0].pa, 0x201000);
        assert_int_equal(c.v[0].size, 0x2000);
        assert_int_equal(c.v[0].page_size, X86_PAGE_SIZE_2M);
}

static void test_range_walk_bounds(void **state) {
        struct fake_guest *g = *state;
        for (int i = 0; i < 8; i++)
                fake_map(g, HVS_GVA(MODS + 0x200000ull * i), HVS_GPA(0x10000), X86_PAGE_SIZE_4K, 0);
        struct leaves c = { 0 };
        struct hvs_x86_range_stats st;
        hvs_gva lo = HVS_GVA(MODS), hi = HVS_GVA(MODS + 0x1000000);
        /* Table cap: the top levels and the PD, then 2 of the 8 PTs. */
        uint64_t cap = (uint64_t)g->paging - 1 + 2;
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, lo, hi, cap, collect, &c, &st), -E2BIG);
        assert_int_equal(c.n, 2);
        assert_int_equal(st.tables, cap);
        /* The callback stops the walk. */
        c = (struct leaves){ .stop_at = 3 };
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, lo, hi, 4096, collect, &c, NULL), -ECANCELED);
        assert_int_equal(c.n, 2);
        /* Bad ranges. */
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, hi, lo, 4096, collect, &c, NULL), -EINVAL);
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, HVS_GVA(0x7ffffffff000ull), lo, 4096, collect,
                                            &c, NULL),
                         -EINVAL);
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, (enum hvs_paging)3, lo, hi, 4096, collect, &c, NULL),
                         -EINVAL);
}

static void test_range_walk_hostile(void **state) {
        struct fake_guest *g = *state;
        fake_map(g, HVS_GVA(MODS + 0x1000), HVS_GPA(0x10000), X86_PAGE_SIZE_4K, 0);
        fake_map(g, HVS_GVA(MODS + 0x400000), HVS_GPA(0x10000), X86_PAGE_SIZE_4K, 0);
        /* One PD entry points outside RAM, another at the PD itself (a recursive mapping). */
        fake_entry_set(g, g->root, HVS_GVA(MODS + 0x400000), FAKE_PD, (0x7f00000000ull & X86_PHYS_MASK) | X86_PTE_P);
        hvs_gpa pd = HVS_GPA(fake_entry_get(g, g->root, HVS_GVA(MODS), FAKE_PDPT) & X86_PHYS_MASK);
        fake_entry_set(g, g->root, HVS_GVA(MODS + 0x600000), FAKE_PD, pd.v | X86_PTE_P | X86_PTE_RW);
        struct leaves c = { 0 };
        struct hvs_x86_range_stats st;
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, HVS_GVA(MODS), HVS_GVA(MODS + 0x800000), 4096,
                                            collect, &c, &st),
                         0);
        assert_int_equal(st.bad, 1);
        /* The PD read as a page table maps its own entries' targets as pages: bounded by the 2 MiB it covers. */
        assert_true(c.n >= 1 && c.n <= 1 + 512);
        assert_int_equal(c.v[0].va, MODS + 0x1000);
        /* PS at the top level is corrupt: skipped and counted. */
        fake_entry_set(g, g->root, HVS_GVA(MODS), g->paging == HVS_PAGING_5LEVEL ? FAKE_PML5 : FAKE_PML4,
                       0x200000 | X86_PTE_P | X86_PTE_PS);
        c.n = 0;
        assert_int_equal(hvs_x86_walk_range(g->mem, g->root, g->paging, HVS_GVA(MODS), HVS_GVA(MODS + 0x800000), 4096,
                                            collect, &c, &st),
                         0);
        assert_int_equal(c.n, 0);
        assert_int_equal(st.bad, 1);
}

#define BOTH(f)                                                 \
        { #f "/4-level", f, setup_4level, teardown, NULL },     \
        { #f "/5-level", f, setup_5level, teardown, NULL }
#define ONLY4(f) { #f, f, setup_4level, teardown, NULL }
#define ONLY5(f) { #f, f, setup_5level, teardown, NULL }

int main(void) {
        const struct CMUnitTest tests[] = {
                BOTH(test_walk_4k_page),
                BOTH(test_walk_2mib_large_page),
                BOTH(test_walk_1gib_large_page),
                BOTH(test_walk_last_pte_index_511),
                BOTH(test_walk_first_pte_index_0),
                cmocka_unit_test(test_canonical_hole_4level),
                cmocka_unit_test(test_canonical_hole_5level),
                cmocka_unit_test(test_canonical_highest_addresses),
                BOTH(test_walk_non_canonical_efault),
                ONLY5(test_walk_5level_maps_4level_hole),
                ONLY4(test_vas_read_across_canonical_hole_efault),
                BOTH(test_walk_not_present_each_level),
                BOTH(test_walk_table_outside_ram_efault),
                BOTH(test_walk_ps_at_pml4_ebadmsg),
                BOTH(test_walk_pat_bit_in_4k_pte_is_not_ps),
                BOTH(test_walk_self_referencing_table),
                BOTH(test_walk_nx_and_high_bits_ignored),
                BOTH(test_walk_pat_bit_in_large_pages),
                BOTH(test_walk_permissions_accumulate),
                BOTH(test_walk_bad_paging_einval),
                BOTH(test_walk_fixture_agrees),
                BOTH(test_vas_getters),
                BOTH(test_vas_new_enomem),
                BOTH(test_vas_read_cross_page),
                BOTH(test_vas_read_second_page_unmapped_efault),
                BOTH(test_vas_read_large_pages),
                BOTH(test_vas_read_u64_u32_little_endian),
                BOTH(test_vas_read_wrap_efault),
                BOTH(test_vas_read_str_across_pages),
                BOTH(test_vas_read_str_no_nul_e2big),
                BOTH(test_vas_read_str_unmapped),
                BOTH(test_vas_tlb_hits_counted),
                BOTH(test_vas_tlb_flush_forgets),
                BOTH(test_vas_tlb_matches_uncached),
                BOTH(test_vas_read_same_with_and_without_cache),
                BOTH(test_range_walk_leaves),
                BOTH(test_range_walk_clips),
                BOTH(test_range_walk_bounds),
                BOTH(test_range_walk_hostile),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-x86.c - cost of address translation and virtual reads on a fake
 * guest with a 256 MiB direct map, in 4 KiB and in 2 MiB pages, under 4- and
 * 5-level paging. Prints one line per figure; not a test (no pass/fail).
 *
 * "uncached" is hvs_x86_translate() (one entry read per level through
 * hvs_mem), "cached" is hvs_vas_translate(). Random addresses over 256 MiB
 * mostly miss a HVS_VAS_TLB_ENTRIES-entry cache, so the "hot" figure uses a
 * working set of exactly that many pages to show the hit path.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <hvscope/limits.h>
#include <hvscope/vas.h>
#include "arch/x86/x86.h"
#include "util/util.h"
#include "fake_guest.h"

#define MAP_BYTES (256ull << 20)
#define TABLE_BYTES (2ull << 20)        /* room for the page tables above the mapped RAM */
#define BASE 0xffff888000000000ull
#define N_LOOKUPS (1u << 20)
#define READ_BLOCK 4096u
#define READ_PASSES 4

static volatile uint64_t sink;

static uint64_t xorshift(uint64_t *s) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static void report(const char *cfg, const char *what, double value, const char *unit) {
        printf("bench-x86 %-18s %-32s %10.1f %s\n", cfg, what, value, unit);
}

static int run(enum hvs_paging paging, uint64_t page_size) {
        struct fake_guest *g;
        int r = fake_guest_new(MAP_BYTES + TABLE_BYTES, paging, &g);
        if (r < 0) {
                fprintf(stderr, "bench-x86: cannot build guest: %s\n", hvs_strerror(r));
                return r;
        }
        for (uint64_t off = 0; off < MAP_BYTES; off += page_size)
                fake_map(g, HVS_GVA(BASE + off), HVS_GPA(off), page_size, X86_PTE_RW | X86_PTE_NX);
        for (uint64_t off = 0; off < MAP_BYTES; off += 4096)  /* fault RAM in before timing */
                g->ram[off] = (uint8_t)off;

        char cfg[32];
        snprintf(cfg, sizeof cfg, "%d-level/%s", (int)paging, page_size == X86_PAGE_SIZE_4K ? "4K" : "2M");

        uint64_t *va = malloc(N_LOOKUPS * sizeof *va);
        uint64_t *hot = malloc(N_LOOKUPS * sizeof *hot);
        uint8_t *blk = malloc(READ_BLOCK);
        hvs_vas *as = NULL;
        if (!va || !hot || !blk || hvs_vas_new(g->mem, g->root, paging, &as) < 0) {
                r = -ENOMEM;
                goto out;
        }
        uint64_t s = 0x9e3779b97f4a7c15;
        for (size_t i = 0; i < N_LOOKUPS; i++) {
                va[i] = BASE + xorshift(&s) % MAP_BYTES;
                hot[i] = BASE + (xorshift(&s) % HVS_VAS_TLB_ENTRIES) * 4096 + (s >> 52);
        }

        uint64_t sum = 0, t0 = hvs_now_ns();
        for (size_t i = 0; i < N_LOOKUPS; i++) {
                hvs_gpa pa;
                if (hvs_x86_translate(g->mem, g->root, paging, HVS_GVA(va[i]), &pa, NULL) < 0)
                        abort();
                sum += pa.v;
        }
        uint64_t t1 = hvs_now_ns();
        report(cfg, "translate uncached (random)", (double)(t1 - t0) / N_LOOKUPS, "ns/op");

        uint64_t sum2 = 0;
        t0 = hvs_now_ns();
        for (size_t i = 0; i < N_LOOKUPS; i++) {
                hvs_gpa pa;
                if (hvs_vas_translate(as, HVS_GVA(va[i]), &pa) < 0)
                        abort();
                sum2 += pa.v;
        }
        t1 = hvs_now_ns();
        if (sum != sum2)
                abort();
        hvs_vas_stats st = hvs_vas_get_stats(as);
        report(cfg, "translate cached (random)", (double)(t1 - t0) / N_LOOKUPS, "ns/op");
        report(cfg, "  hit rate (random)", 100.0 * (double)st.hits / (double)(st.hits + st.misses), "%");

        hvs_vas_flush(as);
        t0 = hvs_now_ns();
        for (size_t i = 0; i < N_LOOKUPS; i++) {
                hvs_gpa pa;
                if (hvs_vas_translate(as, HVS_GVA(hot[i]), &pa) < 0)
                        abort();
                sum += pa.v;
        }
        t1 = hvs_now_ns();
        report(cfg, "translate cached (hot set)", (double)(t1 - t0) / N_LOOKUPS, "ns/op");

        t0 = hvs_now_ns();
        for (size_t i = 0; i < N_LOOKUPS; i++) {
                hvs_gpa pa;
                if (hvs_x86_translate(g->mem, g->root, paging, HVS_GVA(hot[i]), &pa, NULL) < 0)
                        abort();
                sum += pa.v;
        }
        t1 = hvs_now_ns();
        report(cfg, "translate uncached (hot set)", (double)(t1 - t0) / N_LOOKUPS, "ns/op");

        hvs_vas_flush(as);
        t0 = hvs_now_ns();
        for (int pass = 0; pass < READ_PASSES; pass++)
                for (uint64_t off = 0; off < MAP_BYTES; off += READ_BLOCK) {
                        if (hvs_vas_read(as, HVS_GVA(BASE + off), blk, READ_BLOCK) < 0)
                                abort();
                        sum += blk[0];
                }
        t1 = hvs_now_ns();
        report(cfg, "vas_read 4 KiB blocks (seq)",
               (double)(MAP_BYTES * READ_PASSES) / 1e6 / ((double)(t1 - t0) / 1e9), "MB/s");
        sink = sum;
        r = 0;
out:
        hvs_vas_free(as);
        free(blk);
        free(hot);
        free(va);
        fake_guest_free(g);
        return r;
}

int main(void) {
        static const enum hvs_paging modes[] = { HVS_PAGING_4LEVEL, HVS_PAGING_5LEVEL };
        static const uint64_t sizes[] = { X86_PAGE_SIZE_4K, X86_PAGE_SIZE_2M };
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
                for (size_t j = 0; j < ARRAY_SIZE(sizes); j++)
                        if (run(modes[i], sizes[j]) < 0)
                                return 1;
        return 0;
}

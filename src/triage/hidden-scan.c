/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hidden-scan.c - what the hidden-process and hidden-module checks share:
 * address sets, kernel address bounds and the scan of guest-physical memory
 * for kernel structures.
 *
 * The scan reads RAM in chunks of SCAN_CHUNK bytes plus a tail of @window
 * bytes read again with the next chunk, so a structure that straddles two
 * chunks is seen whole. Each chunk is taken from the check's byte budget
 * and the clock is checked between chunks: a scan never runs past the
 * check's budget, whatever the guest holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hidden.h"

#define SCAN_CHUNK (4u << 20)
#define SCAN_MAX_WINDOW (64u << 10)

int addrset_add(struct addrset *s, uint64_t a, size_t max) {
        if (s->n >= max)
                return -E2BIG;
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                uint64_t *v = hvs_reallocarray(s->v, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = a;
        s->sorted = false;
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

void addrset_sort(struct addrset *s) {
        if (s->n)
                qsort(s->v, s->n, sizeof *s->v, cmp_u64);
        size_t w = 0;
        for (size_t i = 0; i < s->n; i++)
                if (w == 0 || s->v[w - 1] != s->v[i])
                        s->v[w++] = s->v[i];
        s->n = w;
        s->sorted = true;
}

bool addrset_has(const struct addrset *s, uint64_t a) {
        size_t lo = 0, hi = s->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (s->v[mid] == a)
                        return true;
                if (s->v[mid] < a)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

void addrset_free(struct addrset *s) {
        free(s->v);
        *s = (struct addrset){ 0 };
}

bool kb_direct(const struct kbounds *b, uint64_t p) {
        return p >= b->pob && p < b->pob_end && (p & 7) == 0;
}

bool kb_kernel(const struct kbounds *b, uint64_t p) {
        return kb_direct(b, p) || (p >= b->img && p < b->img_end && (p & 7) == 0);
}

int hscan_phys(hvs_mem *m, struct triage_budget *b, uint32_t align, uint32_t window,
               int (*fn)(void *ud, uint64_t pa, const uint8_t *p, size_t avail), void *ud) {
        if (!align || (align & (align - 1)) || window > SCAN_MAX_WINDOW)
                return -EINVAL;
        size_t nr = 0;
        const hvs_mem_range *r = hvs_mem_ranges(m, &nr);
        _cleanup_free_ uint8_t *buf = malloc((size_t)SCAN_CHUNK + window);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < nr && i < HVS_MAX_MEM_RANGES; i++) {
                uint64_t end;
                if (hvs_add_overflow(r[i].gpa, r[i].size, &end))
                        continue;
                uint64_t pa = (r[i].gpa + align - 1) & ~(uint64_t)(align - 1);
                while (pa < end) {
                        uint64_t chunk = MIN((uint64_t)SCAN_CHUNK, end - pa);
                        size_t want = (size_t)MIN(chunk + window, end - pa);
                        if (!triage_budget_take(b, chunk))
                                return 0;
                        if (hvs_mem_read(m, HVS_GPA(pa), buf, want) == 0) {
                                for (uint64_t off = 0; off < chunk; off += align) {
                                        int e = fn(ud, pa + off, buf + off, want - (size_t)off);
                                        if (e < 0)
                                                return e;
                                }
                        }
                        pa += chunk;
                }
        }
        return 0;
}

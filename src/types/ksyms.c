/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ksyms.c - the kernel symbol table behind hvs_ksyms.
 *
 * Symbols are appended in any order. The address order (the kallsyms order:
 * by address, then insertion order) is restored lazily by the first lookup
 * after a change; a table recovered from kallsyms is already in that order
 * and is only checked, not sorted. The name index is an open-addressing hash
 * (linear probing, power-of-two capacity, load <= 1/2) over the sorted
 * array, built on the first hvs_ksyms_find() and dropped on any change. It
 * keeps the first symbol in address order for a name, as the contract says.
 *
 * Names live in an arena of large chunks so that the hvs_ksym.name pointers
 * handed out stay valid while symbols are added.
 */
#include <hvscope/limits.h>
#include <hvscope/types.h>

#include "types-internal.h"
#include "util/util.h"

/* Bytes of one name-arena chunk (a chunk is larger only for a larger request). */
#define KSYMS_ARENA_CHUNK (256u << 10)

struct ent {
        hvs_ksym s;             /* first: hvs_ksyms_get() hands out &ent->s */
        uint32_t seq;           /* insertion order, the tie-break among equal addresses */
};

struct chunk {
        struct chunk *next;
        size_t used, cap;
        char data[];
};

struct hvs_ksyms {
        struct ent *v;
        size_t n, cap;
        struct chunk *arena;    /* head = chunk being filled */
        bool sorted;
        uint32_t *index;        /* slot = entry index + 1; 0 = empty */
        size_t index_cap;       /* power of two, or 0 when not built */
};

int hvs_ksyms_new(hvs_ksyms **ret) {
        hvs_ksyms *k = hvs_calloc(1, sizeof *k);
        if (!k)
                return -ENOMEM;
        k->sorted = true;
        *ret = k;
        return 0;
}

hvs_ksyms *hvs_ksyms_free(hvs_ksyms *k) {
        if (!k)
                return NULL;
        for (struct chunk *c = k->arena, *next; c; c = next) {
                next = c->next;
                free(c);
        }
        free(k->v);
        free(k->index);
        free(k);
        return NULL;
}

size_t hvs_ksyms_count(const hvs_ksyms *k) { return k ? k->n : 0; }

static char *arena_alloc(hvs_ksyms *k, size_t len) {
        struct chunk *c = k->arena;
        if (!c || c->cap - c->used < len) {
                size_t cap = MAX((size_t)KSYMS_ARENA_CHUNK, len);
                c = hvs_malloc(sizeof *c + cap);
                if (!c)
                        return NULL;
                c->used = 0;
                c->cap = cap;
                c->next = k->arena;
                k->arena = c;
        }
        char *p = c->data + c->used;
        c->used += len;
        return p;
}

static int grow(hvs_ksyms *k, size_t want) {
        if (want <= k->cap)
                return 0;
        if (want > HVS_MAX_KSYMS)
                return -E2BIG;
        size_t cap = MAX(k->cap * 2, (size_t)64);
        cap = MIN(MAX(cap, want), (size_t)HVS_MAX_KSYMS);
        struct ent *v = hvs_reallocarray(k->v, cap, sizeof *v);
        if (!v)
                return -ENOMEM;
        k->v = v;
        k->cap = cap;
        return 0;
}

int ksyms_reserve(hvs_ksyms *k, size_t n, size_t name_bytes) {
        size_t want;
        if (hvs_add_overflow(k->n, n, &want))
                return -E2BIG;
        int r = grow(k, want);
        if (r < 0)
                return r;
        struct chunk *c = k->arena;
        if (name_bytes > KSYMS_ARENA_CHUNK && (!c || c->cap - c->used < name_bytes)) {
                /* One chunk for the whole bulk fill. */
                c = hvs_malloc(sizeof *c + name_bytes);
                if (!c)
                        return -ENOMEM;
                c->used = 0;
                c->cap = name_bytes;
                c->next = k->arena;
                k->arena = c;
        }
        return 0;
}

static void invalidate(hvs_ksyms *k) {
        free(k->index);
        k->index = NULL;
        k->index_cap = 0;
}

int hvs_ksyms_add(hvs_ksyms *k, const char *name, char type, uint64_t addr, bool absolute) {
        if (!k || !name)
                return -EINVAL;
        size_t len = strnlen(name, HVS_MAX_KSYM_NAME);
        if (len == 0 || len >= HVS_MAX_KSYM_NAME)
                return -EINVAL;
        if (k->n >= HVS_MAX_KSYMS)
                return -E2BIG;
        int r = grow(k, k->n + 1);
        if (r < 0)
                return r;
        char *copy = arena_alloc(k, len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, name, len + 1);

        if (k->n > 0 && k->sorted && k->v[k->n - 1].s.addr > addr)
                k->sorted = false;
        k->v[k->n] = (struct ent){
                .s = { .addr = addr, .type = type, .absolute = absolute, .name = copy },
                .seq = (uint32_t)k->n,
        };
        k->n++;
        invalidate(k);
        return 0;
}

void ksyms_shift(hvs_ksyms *k, uint64_t delta) {
        if (!k || delta == 0)
                return;
        for (size_t i = 0; i < k->n; i++)
                if (!k->v[i].s.absolute)
                        k->v[i].s.addr += delta;
        /* Absolute symbols did not move: the order may have changed. */
        k->sorted = false;
        invalidate(k);
}

static int cmp_ent(const void *a, const void *b) {
        const struct ent *x = a, *y = b;
        if (x->s.addr != y->s.addr)
                return x->s.addr < y->s.addr ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void ensure_sorted(hvs_ksyms *k) {
        if (k->sorted)
                return;
        bool in_order = true;
        for (size_t i = 1; i < k->n && in_order; i++)
                in_order = cmp_ent(&k->v[i - 1], &k->v[i]) <= 0;
        if (!in_order) {
                qsort(k->v, k->n, sizeof *k->v, cmp_ent);
                invalidate(k);
        }
        k->sorted = true;
}

const hvs_ksym *hvs_ksyms_get(hvs_ksyms *k, size_t i) {
        if (!k || i >= k->n)
                return NULL;
        ensure_sorted(k);
        return &k->v[i].s;
}

static int build_index(hvs_ksyms *k) {
        size_t cap = 16;
        while (cap < k->n * 2)
                cap <<= 1;
        uint32_t *idx = hvs_calloc(cap, sizeof *idx);
        if (!idx)
                return -ENOMEM;
        size_t mask = cap - 1;
        for (size_t i = 0; i < k->n; i++) {
                const char *name = k->v[i].s.name;
                for (size_t h = (size_t)types_hash_str(name) & mask;; h = (h + 1) & mask) {
                        if (idx[h] == 0) {
                                idx[h] = (uint32_t)i + 1;
                                break;
                        }
                        if (strcmp(k->v[idx[h] - 1].s.name, name) == 0)
                                break;  /* keep the first in address order */
                }
        }
        k->index = idx;
        k->index_cap = cap;
        return 0;
}

int hvs_ksyms_find(hvs_ksyms *k, const char *name, hvs_ksym *ret) {
        if (!k || !name)
                return -EINVAL;
        ensure_sorted(k);
        if (!k->index) {
                int r = build_index(k);
                if (r < 0)
                        return r;
        }
        size_t mask = k->index_cap - 1;
        for (size_t h = (size_t)types_hash_str(name) & mask;; h = (h + 1) & mask) {
                uint32_t s = k->index[h];
                if (s == 0)
                        return -ENOENT;
                if (strcmp(k->v[s - 1].s.name, name) == 0) {
                        if (ret)
                                *ret = k->v[s - 1].s;
                        return 0;
                }
        }
}

int hvs_ksyms_lookup_addr(hvs_ksyms *k, uint64_t addr, hvs_ksym *ret, uint64_t *ret_off) {
        if (!k)
                return -EINVAL;
        ensure_sorted(k);
        if (k->n == 0 || k->v[0].s.addr > addr)
                return -ENOENT;
        /* Last entry with s.addr <= addr. */
        size_t lo = 0, hi = k->n;       /* invariant: v[lo].addr <= addr, v[hi].addr > addr */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (k->v[mid].s.addr <= addr)
                        lo = mid;
                else
                        hi = mid;
        }
        while (lo > 0 && k->v[lo - 1].s.addr == k->v[lo].s.addr)
                lo--;                   /* the first of several at one address */
        if (ret)
                *ret = k->v[lo].s;
        if (ret_off)
                *ret_off = addr - k->v[lo].s.addr;
        return 0;
}

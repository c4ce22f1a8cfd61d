/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * module-areas.c - module space as the page tables map it, and who owns
 * each mapped area: the "module-areas" view of the hidden-module check.
 *
 * Code can only run where a present, executable page maps it. On x86-64,
 * modules and the kernel's other run-time code (eBPF JIT images, ftrace and
 * BPF trampolines, kprobe instruction slots) are all allocated in module
 * space, MODULES_VADDR (__START_KERNEL_map + KERNEL_IMAGE_SIZE:
 * 0xffffffffc0000000 with KASLR's 1 GiB image, 0xffffffffa0000000 without)
 * to MODULES_END (0xffffffffff000000). KASLR moves the kernel image inside
 * the space below, never the module space itself; the walk starts at the
 * lower bound or above the image's high mapping (_end rounded up to 2 MiB),
 * whichever is higher, so it holds for both image sizes.
 *
 * The walk reads the kernel's page tables (hvs_x86_walk_range(): each table
 * once, over the slots of the range only, so an empty PUD or PMD skips its
 * 1 GiB or 2 MiB at once) and groups the present pages into contiguous
 * areas. Every vmalloc allocation is followed by an unmapped guard page, so
 * an area is one allocation (or a few adjacent ones).
 *
 * Attribution: each area's executable part must be covered by a claim:
 *   - a module's memory, as its struct module states it (mem[] from 6.4,
 *     core_layout and init_layout before; its ITS thunk pages), for every
 *     struct module that ANY view found (list, tree, scan, sysfs);
 *   - the kernel's registries of its other code there, the same ones
 *     /proc/kallsyms lists as [bpf], [__builtin__ftrace] and
 *     [__builtin__kprobes]: bpf_kallsyms (JIT images, BPF trampolines and
 *     dispatchers: [start, end)), pack_list (the 2 MiB bpf_prog_pack
 *     chunks programs are packed into), ftrace_ops_trampoline_list (the
 *     trampolines ftrace allocated) and the pages of kprobe_insn_slots and
 *     kprobe_optinsn_slots. Claims from registries are "exact": the area
 *     must start where the allocation does and not be larger than it, so a
 *     registry entry cannot vouch for a larger run of code.
 * An executable area no claim covers is code that no module and no known
 * kernel user owns: the check reports it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include "os/linux/list.h"
#include "hidden.h"

#define PAGE 4096ull
#define HM_MAX_MODULE_STRUCT 8192u      /* struct module is 896 (6.1) to 1280 (6.12) bytes */
#define HM_MAX_MEM_AREAS 16u            /* MOD_MEM_NUM_TYPES is 7 */
#define FTRACE_TRAMP_MAX (2 * PAGE)     /* create_trampoline(): ftrace_caller's copy + ops pointer, < 1 page */

const char *const hm_owner_names[HM_NOWNERS] = { "none", "module", "bpf", "ftrace", "kprobes" };

static bool in_modspace(const struct hm_ctx *c, uint64_t lo, uint64_t hi) {
        return lo >= c->kb.mod && hi <= c->kb.mod_end && lo < hi;
}

static void add_range(struct hm_ctx *c, struct hm_modmem *m, uint64_t base, uint64_t size) {
        uint64_t end;
        if (!base || !size || m->n == ARRAY_SIZE(m->r) || hvs_add_overflow(base, size, &end) ||
            hvs_add_overflow(end, PAGE - 1, &end))
                return;
        end &= ~(PAGE - 1);
        if (in_modspace(c, base, end))
                m->r[m->n++] = (struct hm_range){ base, end };
}

int hm_module_mem(struct hm_ctx *c, uint64_t mod, struct hm_modmem *ret) {
        const struct hm_offsets *o = c->o;
        uint8_t buf[HM_MAX_MODULE_STRUCT];
        if (o->mod_size > sizeof buf || !hm_offsets_ok(o))
                return -EBADMSG;
        int e = hvs_vas_read(c->kv, HVS_GVA(mod), buf, o->mod_size);
        if (e < 0)
                return e;
        struct hm_modmem m = { 0 };
        if (o->mem != HP_ABSENT) {
                for (uint32_t i = 0; i < o->mem_bytes / o->mem_elem; i++) {
                        const uint8_t *a = buf + o->mem + (size_t)i * o->mem_elem;
                        add_range(c, &m, hvs_le64(a + o->mem_base), hvs_le32(a + o->mem_size));
                }
        } else {
                add_range(c, &m, hvs_le64(buf + o->core_base), hvs_le32(buf + o->core_size));
                if (o->init_base != HP_ABSENT && o->init_size != HP_ABSENT)
                        add_range(c, &m, hvs_le64(buf + o->init_base), hvs_le32(buf + o->init_size));
        }
        if (o->percpu != HP_ABSENT && o->percpu_size != HP_ABSENT) {
                uint64_t p = hvs_le64(buf + o->percpu), n = hvs_le32(buf + o->percpu_size);
                if (p && n && !hvs_add_overflow(p, n, &m.percpu_hi))
                        m.percpu = p;
                else
                        m.percpu_hi = 0;
        }
        if (o->its_num != HP_ABSENT && o->its_array != HP_ABSENT) {
                int32_t num = (int32_t)hvs_le32(buf + o->its_num);
                m.its_array = hvs_le64(buf + o->its_array);
                m.its_num = num > 0 && m.its_array ? (uint32_t)num : 0;
        }
        *ret = m;
        return 0;
}

int hm_module_its(struct hm_ctx *c, const struct hm_modmem *m, uint64_t owner, struct hm_claims *cl) {
        uint32_t n = MIN(m->its_num, HVS_MAX_MODULE_ITS_PAGES);
        uint64_t pages[256];
        for (uint32_t at = 0; at < n; at += ARRAY_SIZE(pages)) {
                uint32_t k = MIN((uint32_t)ARRAY_SIZE(pages), n - at);
                if (hvs_vas_read(c->kv, HVS_GVA(m->its_array + 8ull * at), pages, (size_t)k * 8) < 0)
                        return 0;       /* unreadable: its pages stay unowned, and say so */
                for (uint32_t i = 0; i < k; i++) {
                        uint64_t pg = hvs_le64(&pages[i]);
                        if ((pg & (PAGE - 1)) || !in_modspace(c, pg, pg + PAGE))
                                continue;
                        int e = hm_claims_add(cl, pg, pg + PAGE, owner, HM_OWN_MODULE, true);
                        if (e < 0)
                                return e;
                }
        }
        return 0;
}

/* ---- the walk ---- */

void hm_areas_free(struct hm_areas *a) {
        free(a->v);
        *a = (struct hm_areas){ 0 };
}

static int on_leaf(void *ud, const struct hvs_x86_leaf *l) {
        struct hm_areas *a = ud;
        bool x = !(l->flags & HVS_X86_PAGE_NX), w = l->flags & HVS_X86_PAGE_WRITABLE;
        uint32_t pages = (uint32_t)((l->size + PAGE - 1) / PAGE);
        struct hm_area *cur = a->n ? &a->v[a->n - 1] : NULL;
        if (!cur || cur->hi != l->va) {
                if (a->n == HVS_MAX_MODAREA_AREAS)
                        return -E2BIG;
                if (a->n == a->cap) {
                        size_t cap = a->cap ? a->cap * 2 : 64;
                        struct hm_area *v = hvs_reallocarray(a->v, cap, sizeof *v);
                        if (!v)
                                return -ENOMEM;
                        a->v = v;
                        a->cap = cap;
                }
                cur = &a->v[a->n++];
                *cur = (struct hm_area){ .lo = l->va, .hi = l->va, .pa = l->pa };
        }
        cur->hi = l->va + l->size;
        cur->pages += pages;
        if (x) {
                if (!cur->exec_hi)
                        cur->exec_lo = l->va;
                cur->exec_hi = l->va + l->size;
                cur->exec_pages += pages;
                if (w)
                        cur->wx_pages += pages;
        }
        return 0;
}

int hm_view_areas(struct hm_ctx *c, struct hm_areas *out) {
        *out = (struct hm_areas){ 0 };
        if (c->kb.mod >= c->kb.mod_end)
                return -EINVAL;
        int e = hvs_x86_walk_range(hvs_vas_mem(c->kv), hvs_vas_root(c->kv), hvs_vas_paging(c->kv), HVS_GVA(c->kb.mod),
                                   HVS_GVA(c->kb.mod_end), HVS_MAX_MODAREA_TABLES, on_leaf, out, &out->st);
        if (e == -ENOMEM || e == -EIO || e == -EINVAL) {
                hm_areas_free(out);
                return e;
        }
        out->err = e;
        return 0;
}

/* ---- claims ---- */

int hm_claims_add(struct hm_claims *cl, uint64_t lo, uint64_t hi, uint64_t owner, uint8_t kind, bool exact) {
        if (lo >= hi)
                return 0;
        if (cl->n >= (size_t)HVS_MAX_MODAREA_USERS * 4)
                return -E2BIG;
        if (cl->n == cl->cap) {
                size_t cap = cl->cap ? cl->cap * 2 : 64;
                struct hm_claim *v = hvs_reallocarray(cl->v, cap, sizeof *v);
                if (!v)
                        return -ENOMEM;
                cl->v = v;
                cl->cap = cap;
        }
        cl->v[cl->n++] = (struct hm_claim){ lo, hi, owner, kind, exact };
        return 0;
}

void hm_claims_free(struct hm_claims *cl) {
        free(cl->v);
        *cl = (struct hm_claims){ 0 };
}

/* Call @fn for each node of the list at @head (bounded, cycle-checked). Return: 0; @fn's error. */
static int each_node(struct hm_ctx *c, uint64_t head, int (*fn)(struct hm_ctx *c, uint64_t node, struct hm_claims *cl),
                     struct hm_claims *cl) {
        hvs_list_iter it;
        hvs_gva n;
        int e;
        hvs_list_iter_init(&it, c->kv, HVS_GVA(head), HVS_MAX_MODAREA_USERS);
        while ((e = hvs_list_iter_next(&it, &n)) == 1) {
                int r = fn(c, n.v, cl);
                if (r < 0)
                        return r;
        }
        return 0;       /* a broken registry attributes less: what it gave is kept */
}

static int rd64(struct hm_ctx *c, uint64_t base, uint32_t off, uint64_t *ret) {
        uint64_t a;
        if (off == HP_ABSENT || hvs_add_overflow(base, (uint64_t)off, &a))
                return -ENOENT;
        return hvs_vas_read_u64(c->kv, HVS_GVA(a), ret);
}

/* struct bpf_ksym: [start, end) of a JIT image, a BPF trampoline or dispatcher. Its area holds the binary
 * header before start, and ends at end rounded up to the page. */
static int on_bpf_ksym(struct hm_ctx *c, uint64_t node, struct hm_claims *cl) {
        uint64_t ksym = node - c->ko->ksym_lnode, start, end;
        if (rd64(c, ksym, c->ko->ksym_start, &start) < 0 || rd64(c, ksym, c->ko->ksym_end, &end) < 0 ||
            !in_modspace(c, start, end) || end - start > (64ull << 20))
                return 0;
        /* Not exact: inside a pack chunk, or its own allocation whose binary header is on the page of start. */
        return hm_claims_add(cl, start & ~(PAGE - 1), (end + PAGE - 1) & ~(PAGE - 1), ksym, HM_OWN_BPF, false);
}

static int on_bpf_pack(struct hm_ctx *c, uint64_t node, struct hm_claims *cl) {
        uint64_t pack = node - c->ko->pack_list, ptr;
        if (rd64(c, pack, c->ko->pack_ptr, &ptr) < 0 || (ptr & (PAGE - 1)) || !in_modspace(c, ptr, ptr + PAGE))
                return 0;
        /* BPF_PROG_PACK_SIZE is PMD_SIZE (x86-64) times the NUMA nodes on some kernels; 64 nodes at most here. */
        uint64_t hi = MIN(ptr + (128ull << 20), c->kb.mod_end);
        return hm_claims_add(cl, ptr, hi, pack, HM_OWN_BPF, true);
}

static int on_kprobe_page(struct hm_ctx *c, uint64_t node, struct hm_claims *cl) {
        uint64_t kip = node - c->ko->kip_list, insns;
        if (rd64(c, kip, c->ko->kip_insns, &insns) < 0 || (insns & (PAGE - 1)) || !in_modspace(c, insns, insns + PAGE))
                return 0;
        return hm_claims_add(cl, insns, insns + PAGE, kip, HM_OWN_KPROBES, true);
}

static int on_ftrace_tramp(struct hm_ctx *c, uint64_t node, struct hm_claims *cl) {
        uint64_t ops = node - c->ko->ops_list, tramp;
        uint32_t size = 0;
        if (rd64(c, ops, c->ko->ops_tramp, &tramp) < 0 || (tramp & (PAGE - 1)) || !in_modspace(c, tramp, tramp + PAGE))
                return 0;
        if (c->ko->ops_tramp_size != HP_ABSENT)
                (void)!hvs_vas_read_u32(c->kv, HVS_GVA(ops + c->ko->ops_tramp_size), &size);
        uint64_t len = size ? MIN(((uint64_t)size + PAGE - 1) & ~(PAGE - 1), FTRACE_TRAMP_MAX) : PAGE;
        return hm_claims_add(cl, tramp, tramp + len, ops, HM_OWN_FTRACE, true);
}

int hm_known_claims(struct hm_ctx *c, struct hm_claims *cl) {
        const struct hm_known_offsets *ko = c->ko;
        int e = 0;
        if (!ko)
                return 0;
        if (e >= 0 && c->bpf_kallsyms && ko->ksym_lnode != HP_ABSENT) {
                e = each_node(c, c->bpf_kallsyms, on_bpf_ksym, cl);
                cl->known |= 1u << HM_OWN_BPF;
        }
        if (e >= 0 && c->bpf_packs && ko->pack_list != HP_ABSENT) {
                e = each_node(c, c->bpf_packs, on_bpf_pack, cl);
                cl->known |= 1u << HM_OWN_BPF;
        }
        for (size_t i = 0; e >= 0 && i < ARRAY_SIZE(c->kprobe_caches); i++)
                if (c->kprobe_caches[i] && ko->kic_pages != HP_ABSENT && ko->kip_list != HP_ABSENT) {
                        e = each_node(c, c->kprobe_caches[i] + ko->kic_pages, on_kprobe_page, cl);
                        cl->known |= 1u << HM_OWN_KPROBES;
                }
        if (e >= 0 && c->ftrace_tramps && ko->ops_list != HP_ABSENT) {
                e = each_node(c, c->ftrace_tramps, on_ftrace_tramp, cl);
                cl->known |= 1u << HM_OWN_FTRACE;
        }
        return e == -E2BIG ? 0 : e;
}

/* Exact claims first, each group by start. */
static int cmp_claim(const void *a, const void *b) {
        const struct hm_claim *x = a, *y = b;
        if (x->exact != y->exact)
                return x->exact ? -1 : 1;
        return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Index of the first claim of v[0..n) whose lo is above @at (n if none). */
static size_t upper(const struct hm_claim *v, size_t n, uint64_t at) {
        size_t l = 0, r = n;
        while (l < r) {
                size_t mid = l + (r - l) / 2;
                if (v[mid].lo <= at)
                        l = mid + 1;
                else
                        r = mid;
        }
        return l;
}

/* Back-steps taken to find the claim that contains an address among overlapping ones. */
#define OWNER_LOOKBACK 64u

int hm_attribute(struct hm_areas *a, struct hm_claims *cl) {
        if (cl->n)
                qsort(cl->v, cl->n, sizeof *cl->v, cmp_claim);
        size_t ne = 0;
        while (ne < cl->n && cl->v[ne].exact)
                ne++;
        const struct hm_claim *ex = cl->v, *nx = cl->v ? cl->v + ne : NULL;
        size_t nn = cl->n - ne;
        /* The union of the non-exact claims, as a prefix maximum of their ends. */
        uint64_t *reach = nn ? hvs_calloc(nn, sizeof *reach) : NULL;
        if (nn && !reach)
                return -ENOMEM;
        for (size_t i = 0; reach && i < nn; i++)
                reach[i] = MAX(nx[i].hi, i ? reach[i - 1] : 0);
        for (size_t i = 0; i < a->n; i++) {
                struct hm_area *ar = &a->v[i];
                uint64_t lo = ar->exec_hi ? ar->exec_lo : ar->lo, hi = ar->exec_hi ? ar->exec_hi : ar->hi;
                ar->owner_kind = HM_OWN_NONE;
                ar->owner = 0;
                /* An allocation a registry names: the area starts there and is no larger. */
                for (size_t j = upper(ex, ne, ar->lo); j > 0 && ex[j - 1].lo == ar->lo; j--)
                        if (ar->hi <= ex[j - 1].hi) {
                                ar->owner_kind = ex[j - 1].kind;
                                ar->owner = ex[j - 1].owner;
                                break;
                        }
                if (ar->owner_kind || !reach)
                        continue;
                /* Covered by the union of the other claims: walk it from lo, segment by segment. */
                uint64_t at = lo;
                while (at < hi) {
                        size_t p = upper(nx, nn, at);
                        if (!p || reach[p - 1] <= at)
                                break;
                        at = reach[p - 1];
                }
                if (at < hi)
                        continue;
                size_t p = upper(nx, nn, lo);
                for (size_t k = 0; p > 0 && k < OWNER_LOOKBACK; k++, p--)
                        if (nx[p - 1].hi > lo) {
                                ar->owner_kind = nx[p - 1].kind;
                                ar->owner = nx[p - 1].owner;
                                break;
                        }
                if (!ar->owner_kind) {  /* covered, by a claim further back than the lookback */
                        ar->owner_kind = nx[0].kind;
                        ar->owner = nx[0].owner;
                }
        }
        free(reach);
        return 0;
}

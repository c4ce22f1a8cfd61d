/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * maple.c - the maple tree walker (see maple.h for the encoding and the
 * invariants it checks).
 *
 * Depth-first and recursive: the recursion is bounded by HVS_MAX_MAPLE_DEPTH,
 * and each level holds one 256-byte copy of its node (C6), so the walk uses
 * at most ~9 KiB of stack. The global "next expected index" is what makes a
 * node reached twice (a DAG or a cycle through a sibling) impossible to
 * report twice: every slot must start exactly where the previous one ended,
 * and no range is empty, so the index only moves forward.
 */
#include <inttypes.h>
#include "maple.h"

/* A VMA tree node holds >= 1 used slot; nodes beyond this are implausible. */
#define NODE_BUDGET(max_entries) (2ull * (max_entries) + 2ull * HVS_MAX_MAPLE_DEPTH + 1)

struct walk {
        hvs_vas *kv;
        const struct lx_maple_offsets *o;
        lx_maple_fn fn;
        void *userdata;
        hvs_diag *diag;
        uint64_t next;          /* first index not yet covered */
        bool done;              /* covered up to UINT64_MAX */
        uint32_t entries, max_entries;
        uint64_t nodes, max_nodes;
};

int lx_maple_check_offsets(const struct lx_maple_offsets *o, hvs_diag *diag) {
        const struct { uint32_t pivot, slot, meta, npivots; const char *name; } t[] = {
                { o->r64_pivot, o->r64_slot, o->r64_meta_end, o->r64_npivots, "maple_range_64" },
                { o->a64_pivot, o->a64_slot, o->a64_meta_end, o->a64_npivots, "maple_arange_64" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                /* 64-bit sums: offsets may come from an untrusted profile cache. */
                if (t[i].npivots == 0 || t[i].npivots > 30 ||
                    !hvs_range_ok(t[i].pivot, (uint64_t)t[i].npivots * 8, LX_MAPLE_NODE_SIZE) ||
                    !hvs_range_ok(t[i].slot, ((uint64_t)t[i].npivots + 1) * 8, LX_MAPLE_NODE_SIZE) ||
                    !hvs_range_ok(t[i].meta, 1, LX_MAPLE_NODE_SIZE))
                        return HVS_BADMSG(diag, "%s layout (pivot %u slot %u meta %u, %u pivots) does not fit a %u-byte node",
                                          t[i].name, t[i].pivot, t[i].slot, t[i].meta, t[i].npivots, LX_MAPLE_NODE_SIZE);
        }
        return 0;
}

static bool kernel_addr(hvs_vas *kv, uint64_t a) {
        return (a >> 63) && hvs_gva_canonical(HVS_GVA(a), hvs_vas_paging(kv));
}

/*
 * The last used slot, as ma_data_end() decides it: arange nodes always keep
 * it in their metadata; range/leaf nodes only when the last pivot is unused
 * (a full node has none, and a node whose last pivot is its max ends there).
 */
static unsigned data_end(const uint8_t *node, unsigned type, const uint64_t *piv, unsigned npiv, uint64_t max,
                         const struct lx_maple_offsets *o) {
        if (type == LX_MAPLE_ARANGE_64)
                return node[o->a64_meta_end];
        if (piv[npiv - 1] == 0)
                return node[o->r64_meta_end];
        if (piv[npiv - 1] == max)
                return npiv - 1;
        return npiv;
}

static int walk_node(struct walk *w, uint64_t enode, uint64_t min, uint64_t max, unsigned depth) {
        const struct lx_maple_offsets *o = w->o;
        uint64_t addr = lx_maple_node_addr(enode);
        unsigned type = lx_maple_node_type(enode);
        if (depth >= HVS_MAX_MAPLE_DEPTH)
                return HVS_DIAG(w->diag, -ELOOP, "maple node 0x%" PRIx64 " deeper than %u levels", addr,
                                HVS_MAX_MAPLE_DEPTH);
        if (++w->nodes > w->max_nodes)
                return HVS_DIAG(w->diag, -E2BIG, "maple tree has more than %" PRIu64 " nodes", w->max_nodes);
        if (type > LX_MAPLE_ARANGE_64)
                return HVS_BADMSG(w->diag, "maple node 0x%" PRIx64 " has unknown type %u", addr, type);
        if (type == LX_MAPLE_DENSE)
                return HVS_BADMSG(w->diag, "maple node 0x%" PRIx64 " is a dense node (not used for VMAs)", addr);
        if (!kernel_addr(w->kv, addr))
                return HVS_DIAG(w->diag, -EFAULT, "maple node pointer 0x%" PRIx64 " is not a kernel address", enode);

        uint8_t node[LX_MAPLE_NODE_SIZE];
        int r = hvs_vas_read(w->kv, HVS_GVA(addr), node, sizeof node);
        if (r < 0)
                return HVS_DIAG(w->diag, r, "maple node 0x%" PRIx64 " unreadable", addr);

        bool arange = type == LX_MAPLE_ARANGE_64, leaf = type == LX_MAPLE_LEAF_64;
        unsigned npiv = arange ? o->a64_npivots : o->r64_npivots;
        uint32_t poff = arange ? o->a64_pivot : o->r64_pivot, soff = arange ? o->a64_slot : o->r64_slot;
        uint64_t piv[32];
        for (unsigned i = 0; i < npiv; i++)
                piv[i] = hvs_le64(node + poff + 8 * i);
        unsigned end = data_end(node, type, piv, npiv, max, o);
        if (end > npiv)
                return HVS_BADMSG(w->diag, "maple node 0x%" PRIx64 ": data end %u beyond %u slots", addr, end, npiv + 1);

        uint64_t lo = min;
        for (unsigned i = 0; i <= end; i++) {
                uint64_t hi = i < npiv ? piv[i] : max;
                if (i == end && i > 0 && hi == 0)
                        hi = max;       /* mas_logical_pivot(): an unset final pivot means max */
                if (hi < lo || hi > max)
                        return HVS_BADMSG(w->diag, "maple node 0x%" PRIx64 " slot %u: pivot 0x%" PRIx64
                                          " outside [0x%" PRIx64 ", 0x%" PRIx64 "]", addr, i, hi, lo, max);
                if (w->done || lo != w->next)
                        return HVS_BADMSG(w->diag, "maple node 0x%" PRIx64 " slot %u starts at 0x%" PRIx64
                                          ", expected 0x%" PRIx64 " (overlap or node reached twice)", addr, i, lo, w->next);
                uint64_t slot = hvs_le64(node + soff + 8 * i);
                if (leaf) {
                        if (slot != 0 && !lx_maple_is_internal(slot)) {
                                if (w->entries >= w->max_entries)
                                        return HVS_DIAG(w->diag, -E2BIG, "maple tree has more than %u entries",
                                                        w->max_entries);
                                w->entries++;
                                if ((r = w->fn(w->userdata, lo, hi, slot)) < 0)
                                        return r;
                        }
                        w->next = hi + 1;
                        w->done = hi == UINT64_MAX;
                } else {
                        if (!lx_maple_is_node(slot))
                                return HVS_BADMSG(w->diag, "maple node 0x%" PRIx64 " slot %u: child 0x%" PRIx64
                                                  " is not a node", addr, i, slot);
                        if ((r = walk_node(w, slot, lo, hi, depth + 1)) < 0)
                                return r;
                        if (!w->done && w->next <= hi) {   /* child ended early: rest is empty */
                                w->next = hi + 1;
                                w->done = hi == UINT64_MAX;
                        }
                }
                if (hi == max)
                        break;
                lo = hi + 1;
        }
        /* A node whose used slots end below its max leaves the rest empty. */
        if (!w->done && w->next <= max) {
                w->next = max + 1;
                w->done = max == UINT64_MAX;
        }
        return 0;
}

int lx_maple_walk(hvs_vas *kv, const struct lx_maple_offsets *o, uint64_t root, uint32_t max_entries,
                  lx_maple_fn fn, void *userdata, hvs_diag *diag) {
        int r = lx_maple_check_offsets(o, diag);
        if (r < 0)
                return r;
        if (root == 0)
                return 0;
        if (!lx_maple_is_node(root)) {
                if (lx_maple_is_internal(root))
                        return 0;
                if (max_entries == 0)
                        return HVS_DIAG(diag, -E2BIG, "maple tree has more than 0 entries");
                /* A single entry stored in the root covers index 0 only. */
                return (r = fn(userdata, 0, 0, root)) < 0 ? r : 1;
        }
        struct walk w = {
                .kv = kv, .o = o, .fn = fn, .userdata = userdata, .diag = diag,
                .max_entries = max_entries, .max_nodes = NODE_BUDGET(max_entries),
        };
        r = walk_node(&w, root, 0, UINT64_MAX, 0);
        return r < 0 ? r : (int)MIN(w.entries, (uint32_t)INT32_MAX);
}

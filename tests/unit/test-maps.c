/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-maps.c - the maple tree walker (maple.c) on nodes built in a fake
 * kernel (fake_maple.h), including malformed trees (cycles, a node reached
 * twice, descending pivots, bad node types, unmapped and non-kernel node
 * pointers, limits); and the region decoder (maps.c) with explicit offsets on
 * both layouts: the maple tree of 6.1+ and the mm->mmap list of older
 * kernels, with file, anonymous, heap, stack and special ([vdso]) regions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hvscope/linux.h>
#include "fake_maple.h"
#include "os/linux/maps.h"

#define UNMAPPED_KVA 0xffffc90000000000ull

static int setup(void **state) {
        struct fake_linux *fl;
        int r = fake_linux_new(HVS_PAGING_4LEVEL, &fl);
        if (r < 0)
                return r;
        *state = fl;
        return 0;
}
static int setup5(void **state) {
        struct fake_linux *fl;
        int r = fake_linux_new(HVS_PAGING_5LEVEL, &fl);
        if (r < 0)
                return r;
        *state = fl;
        return 0;
}
static int teardown(void **state) {
        fake_linux_free(*state);
        return 0;
}

/* ---- the maple walker ----------------------------------------------------------------- */

#define MAX_SEEN 64
struct seen {
        size_t n;
        uint64_t first[MAX_SEEN], last[MAX_SEEN], entry[MAX_SEEN];
        int stop_at;    /* return -EINTR on this call (0 = never) */
};

static int collect(void *userdata, uint64_t first, uint64_t last, uint64_t entry) {
        struct seen *s = userdata;
        if (s->n >= MAX_SEEN)
                fail_msg("too many entries");
        s->first[s->n] = first;
        s->last[s->n] = last;
        s->entry[s->n] = entry;
        s->n++;
        return s->stop_at && (int)s->n == s->stop_at ? -EINTR : 0;
}

static int walk(struct fake_linux *fl, uint64_t root, uint32_t max, struct seen *s, hvs_diag *d) {
        hvs_linux *k = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        int r = lx_maple_walk(hvs_linux_kernel_vas(k), &fake_maple_offsets, root, max, collect, s, d);
        hvs_linux_close(k);
        return r;
}

#define E(i) (0xffff888000a00000ull + 0x100 * (i))     /* entry values (never dereferenced) */
#define MAX_IDX UINT64_MAX

/* A leaf as the root: [0,0x3fff] empty, [0x4000,0x4fff] A, [0x5000,0x7fff] empty, [0x8000,0x9fff] B, rest empty. */
static uint64_t simple_leaf(struct fake_linux *fl) {
        const uint64_t piv[] = { 0x3fff, 0x4fff, 0x7fff, 0x9fff, MAX_IDX };
        const uint64_t slots[] = { 0, E(1), 0, E(2), 0, 0 };
        return fake_maple_node(fl, LX_MAPLE_LEAF_64, piv, slots, 5, 4);
}

static void test_maple_leaf_root(void **state) {
        struct fake_linux *fl = *state;
        struct seen s = { 0 };
        assert_int_equal(walk(fl, simple_leaf(fl), 100, &s, NULL), 2);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.first[0], 0x4000);
        assert_int_equal(s.last[0], 0x4fff);
        assert_int_equal(s.entry[0], E(1));
        assert_int_equal(s.first[1], 0x8000);
        assert_int_equal(s.last[1], 0x9fff);
        assert_int_equal(s.entry[1], E(2));
}

/* Empty tree, and a single entry kept in the root itself (index 0 only). */
static void test_maple_root_forms(void **state) {
        struct fake_linux *fl = *state;
        struct seen s = { 0 };
        assert_int_equal(walk(fl, 0, 100, &s, NULL), 0);
        assert_int_equal(s.n, 0);
        assert_int_equal(walk(fl, E(7), 100, &s, NULL), 1);
        assert_int_equal(s.first[0], 0);
        assert_int_equal(s.last[0], 0);
        assert_int_equal(s.entry[0], E(7));
        s.n = 0;
        assert_int_equal(walk(fl, 0x406 /* XA_ZERO_ENTRY */, 100, &s, NULL), 0);
        assert_int_equal(s.n, 0);
}

/* Two levels: an arange root over two leaves; a full 16-slot leaf; meta.end used. */
static uint64_t two_level(struct fake_linux *fl, uint64_t *ret_left, uint64_t *ret_right) {
        uint64_t piv[15], slots[16];
        for (unsigned i = 0; i < 15; i++) {
                piv[i] = 0x10000 + 0x1000 * i - 1;      /* slot i ends just below 0x10000 + i pages */
                slots[i] = i % 2 ? E(i) : 0;
        }
        slots[15] = E(15);                             /* implicit last pivot = node max 0x1ffff */
        uint64_t left = fake_maple_node(fl, LX_MAPLE_LEAF_64, piv, slots, 15, 0);
        const uint64_t rpiv[] = { 0x20fff, MAX_IDX };
        const uint64_t rslots[] = { E(20), 0, 0 };
        uint64_t right = fake_maple_node(fl, LX_MAPLE_LEAF_64, rpiv, rslots, 2, 1);
        const uint64_t ipiv[] = { 0x1ffff, MAX_IDX };
        const uint64_t islots[] = { left, right, 0 };
        if (ret_left)
                *ret_left = left;
        if (ret_right)
                *ret_right = right;
        return fake_maple_node(fl, LX_MAPLE_ARANGE_64, ipiv, islots, 2, 1);
}

static void test_maple_two_levels(void **state) {
        struct fake_linux *fl = *state;
        struct seen s = { 0 };
        uint64_t root = two_level(fl, NULL, NULL);
        assert_int_equal(walk(fl, root, 100, &s, NULL), 9);
        /* Odd slots 1..13 of the left leaf, its slot 15, then the right leaf's first slot. */
        for (unsigned j = 0; j < 7; j++) {
                unsigned i = 2 * j + 1;
                assert_int_equal(s.entry[j], E(i));
                assert_int_equal(s.first[j], 0x10000 + 0x1000 * (i - 1));
                assert_int_equal(s.last[j], 0x10000 + 0x1000 * i - 1);
        }
        assert_int_equal(s.entry[7], E(15));
        assert_int_equal(s.first[7], 0x1e000);
        assert_int_equal(s.last[7], 0x1ffff);
        assert_int_equal(s.entry[8], E(20));
        assert_int_equal(s.first[8], 0x20000);
        assert_int_equal(s.last[8], 0x20fff);
}

/* Entries before a failure stay reported; the callback's error is returned. */
static void test_maple_callback_stops(void **state) {
        struct fake_linux *fl = *state;
        struct seen s = { .stop_at = 3 };
        assert_int_equal(walk(fl, two_level(fl, NULL, NULL), 100, &s, NULL), -EINTR);
        assert_int_equal(s.n, 3);
}

static void test_maple_max_entries(void **state) {
        struct fake_linux *fl = *state;
        uint64_t root = two_level(fl, NULL, NULL);
        struct seen s = { 0 };
        assert_int_equal(walk(fl, root, 9, &s, NULL), 9);      /* exactly the limit */
        s.n = 0;
        hvs_diag d = { 0 };
        assert_int_equal(walk(fl, root, 8, &s, &d), -E2BIG);
        assert_int_equal(s.n, 8);
        assert_non_null(strstr(d.msg, "more than 8 entries"));
}

/* A child pointing back at its parent: bounded by HVS_MAX_MAPLE_DEPTH. */
static void test_maple_cycle_to_ancestor(void **state) {
        struct fake_linux *fl = *state;
        uint64_t left;
        uint64_t root = two_level(fl, &left, NULL);
        const uint64_t ipiv[] = { 0xffff, MAX_IDX };
        const uint64_t islots[] = { 0, left, 0 };
        uint64_t mid = fake_maple_node(fl, LX_MAPLE_ARANGE_64, ipiv, islots, 2, 1);
        fake_maple_set_slot(fl, mid, 0, mid);           /* slot 0 -> itself */
        struct seen s = { 0 };
        hvs_diag d = { 0 };
        assert_int_equal(walk(fl, mid, 100, &s, &d), -ELOOP);
        assert_int_equal(s.n, 0);
        assert_non_null(strstr(d.msg, "deeper than"));
        fake_maple_set_slot(fl, root, 1, root);         /* the root's second child is the root */
        s.n = 0;
        int r = walk(fl, root, 100, &s, NULL);
        assert_true(r == -ELOOP || r == -EBADMSG);
        assert_int_equal(s.n, 8);                       /* the left leaf was reported once */
}

/* The same leaf under two slots: its second visit starts at the wrong index. */
static void test_maple_node_reached_twice(void **state) {
        struct fake_linux *fl = *state;
        uint64_t left;
        uint64_t root = two_level(fl, &left, NULL);
        fake_maple_set_slot(fl, root, 1, left);
        struct seen s = { 0 };
        hvs_diag d = { 0 };
        assert_int_equal(walk(fl, root, 100, &s, &d), -EBADMSG);
        assert_int_equal(s.n, 8);
}

static void test_maple_descending_pivots(void **state) {
        struct fake_linux *fl = *state;
        uint64_t leaf = simple_leaf(fl);
        fake_maple_set_pivot(fl, leaf, 2, 0x4800);      /* below pivot[1] = 0x4fff */
        struct seen s = { 0 };
        hvs_diag d = { 0 };
        assert_int_equal(walk(fl, leaf, 100, &s, &d), -EBADMSG);
        assert_int_equal(s.n, 1);
        assert_non_null(strstr(d.msg, "pivot"));
        /* A child's pivot beyond its parent's range. */
        uint64_t left;
        uint64_t root = two_level(fl, &left, NULL);
        fake_maple_set_pivot(fl, left, 14, 0x30000);
        s.n = 0;
        assert_int_equal(walk(fl, root, 100, &s, NULL), -EBADMSG);
}

static void test_maple_bad_node_types(void **state) {
        struct fake_linux *fl = *state;
        uint64_t leaf = simple_leaf(fl), va = lx_maple_node_addr(leaf);
        struct seen s = { 0 };
        for (unsigned type = 4; type < 16; type++)
                assert_int_equal(walk(fl, fake_maple_enode(va, type), 100, &s, NULL), -EBADMSG);
        assert_int_equal(walk(fl, fake_maple_enode(va, LX_MAPLE_DENSE), 100, &s, NULL), -EBADMSG);
        /* An internal node whose child is a plain entry, not a node. */
        uint64_t root = two_level(fl, NULL, NULL);
        fake_maple_set_slot(fl, root, 0, E(1));
        assert_int_equal(walk(fl, root, 100, &s, NULL), -EBADMSG);
        assert_int_equal(s.n, 0);
}

static void test_maple_bad_pointers(void **state) {
        struct fake_linux *fl = *state;
        struct seen s = { 0 };
        assert_int_equal(walk(fl, fake_maple_enode(UNMAPPED_KVA, LX_MAPLE_LEAF_64), 100, &s, NULL), -EFAULT);
        assert_int_equal(walk(fl, fake_maple_enode(0x7f0000001000ull, LX_MAPLE_LEAF_64), 100, &s, NULL), -EFAULT);
        assert_int_equal(walk(fl, fake_maple_enode(0x8000000000001000ull, LX_MAPLE_LEAF_64), 100, &s, NULL), -EFAULT);
        uint64_t root = two_level(fl, NULL, NULL);
        fake_maple_set_slot(fl, root, 1, fake_maple_enode(UNMAPPED_KVA, LX_MAPLE_LEAF_64));
        assert_int_equal(walk(fl, root, 100, &s, NULL), -EFAULT);
        assert_int_equal(s.n, 8);
}

/* meta.end beyond the node's slots. */
static void test_maple_bad_data_end(void **state) {
        struct fake_linux *fl = *state;
        const uint64_t piv[] = { 0x3fff, MAX_IDX };
        const uint64_t slots[] = { E(1), 0, 0 };
        uint64_t leaf = fake_maple_node(fl, LX_MAPLE_LEAF_64, piv, slots, 2, 200);
        struct seen s = { 0 };
        assert_int_equal(walk(fl, leaf, 100, &s, NULL), -EBADMSG);
        const uint64_t ipiv[] = { MAX_IDX };
        const uint64_t islots[] = { leaf, 0 };
        uint64_t root = fake_maple_node(fl, LX_MAPLE_ARANGE_64, ipiv, islots, 1, 10);
        assert_int_equal(walk(fl, root, 100, &s, NULL), -EBADMSG);
}

static void test_maple_bad_offsets(void **state) {
        (void)state;
        struct lx_maple_offsets o = fake_maple_offsets;
        o.r64_slot = 200;
        assert_int_equal(lx_maple_check_offsets(&o, NULL), -EBADMSG);
        o = fake_maple_offsets;
        o.a64_npivots = 0;
        assert_int_equal(lx_maple_check_offsets(&o, NULL), -EBADMSG);
        o = fake_maple_offsets;
        o.a64_meta_end = UINT32_MAX;
        assert_int_equal(lx_maple_check_offsets(&o, NULL), -EBADMSG);
        assert_int_equal(lx_maple_check_offsets(&fake_maple_offsets, NULL), 0);
}

/* A deep but valid chain of single-child internal nodes: exactly at the depth limit it fails. */
static void test_maple_depth_limit(void **state) {
        struct fake_linux *fl = *state;
        uint64_t node = simple_leaf(fl);
        for (unsigned d = 1; d < HVS_MAX_MAPLE_DEPTH; d++) {
                const uint64_t ipiv[] = { MAX_IDX };
                const uint64_t islots[] = { node, 0 };
                node = fake_maple_node(fl, LX_MAPLE_RANGE_64, ipiv, islots, 1, 0);
        }
        struct seen s = { 0 };
        assert_int_equal(walk(fl, node, 100, &s, NULL), 2);     /* 32 levels: allowed */
        const uint64_t ipiv[] = { MAX_IDX };
        const uint64_t islots[] = { node, 0 };
        node = fake_maple_node(fl, LX_MAPLE_RANGE_64, ipiv, islots, 1, 0);
        s.n = 0;
        assert_int_equal(walk(fl, node, 100, &s, NULL), -ELOOP);
}

/* ---- regions ------------------------------------------------------------------------- */

/* Layout of this test's kernel objects (fields placed in the fake mm_struct's free space). */
enum {
        MM_MT = 0x100, MM_MAP_COUNT = 0x118, MM_START_BRK = 0x120, MM_BRK = 0x128, MM_START_STACK = 0x130,
        MM_MMAP = 0x138,
        VMA_START = 0x00, VMA_END = 0x08, VMA_NEXT = 0x10, VMA_FLAGS = 0x20, VMA_PGOFF = 0x28,
        VMA_FILE = 0x30, VMA_OPS = 0x38, VMA_PRIVATE = 0x40, VMA_SIZE = 0x60,
        FILE_DENTRY = 0x18, FILE_INODE = 0x20, DENTRY_NAME = 0x28, INODE_INO = 0x40, INODE_SB = 0x28,
        SB_DEV = 0x10,
};
#define SPECIAL_OPS 0xffffffff82000100ull

static struct lx_maps_offsets test_offsets(bool maple) {
        return (struct lx_maps_offsets){
                .mm_mt = maple ? MM_MT : LX_ABSENT, .mt_root = maple ? 8 : LX_ABSENT,
                .mm_mmap = maple ? LX_ABSENT : MM_MMAP, .mm_map_count = MM_MAP_COUNT,
                .mm_start_brk = MM_START_BRK, .mm_brk = MM_BRK, .mm_start_stack = MM_START_STACK,
                .vma_size = VMA_SIZE, .vma_start = VMA_START, .vma_end = VMA_END, .vma_flags = VMA_FLAGS,
                .vma_pgoff = VMA_PGOFF, .vma_file = VMA_FILE, .vma_ops = VMA_OPS, .vma_private = VMA_PRIVATE,
                .vma_next = maple ? LX_ABSENT : VMA_NEXT,
                .file_inode = FILE_INODE, .file_dentry = FILE_DENTRY, .dentry_name = DENTRY_NAME,
                .inode_ino = INODE_INO, .inode_sb = INODE_SB, .sb_dev = SB_DEV, .special_name = 0,
                .maple = fake_maple_offsets, .special_ops = { SPECIAL_OPS, 0 },
        };
}

static uint64_t kstr(struct fake_linux *fl, const char *s) {
        uint64_t va = fake_linux_kalloc(fl, strlen(s) + 1);
        fake_linux_write(fl, va, s, strlen(s) + 1);
        return va;
}

static uint64_t new_vma(struct fake_linux *fl, uint64_t start, uint64_t end, uint64_t flags, uint64_t pgoff,
                        uint64_t file, uint64_t ops, uint64_t priv) {
        uint64_t v = fake_linux_kalloc(fl, VMA_SIZE);
        fake_linux_write_u64(fl, v + VMA_START, start);
        fake_linux_write_u64(fl, v + VMA_END, end);
        fake_linux_write_u64(fl, v + VMA_FLAGS, flags);
        fake_linux_write_u64(fl, v + VMA_PGOFF, pgoff);
        fake_linux_write_u64(fl, v + VMA_FILE, file);
        fake_linux_write_u64(fl, v + VMA_OPS, ops);
        fake_linux_write_u64(fl, v + VMA_PRIVATE, priv);
        return v;
}

/* A file on a superblock with s_dev 8:1 (kernel encoding (8 << 20) | 1). */
static uint64_t new_file(struct fake_linux *fl, const char *name, uint64_t ino) {
        uint64_t sb = fake_linux_kalloc(fl, 64), inode = fake_linux_kalloc(fl, 128);
        uint64_t dentry = fake_linux_kalloc(fl, 64), file = fake_linux_kalloc(fl, 64);
        fake_linux_write_u32(fl, sb + SB_DEV, (8u << 20) | 1);
        fake_linux_write_u64(fl, inode + INODE_INO, ino);
        fake_linux_write_u64(fl, inode + INODE_SB, sb);
        fake_linux_write_u64(fl, dentry + DENTRY_NAME, kstr(fl, name));
        fake_linux_write_u64(fl, file + FILE_DENTRY, dentry);
        fake_linux_write_u64(fl, file + FILE_INODE, inode);
        return file;
}

struct proc {
        uint64_t mm;
        uint64_t vma[6];
        uint64_t file;
};

/* A process like the lab's: busybox text and data, bss, heap, stack, vdso. */
static struct proc build_proc(struct fake_linux *fl, bool maple) {
        struct proc p = { 0 };
        uint64_t task = fake_linux_add_task(fl, &(struct fake_task_spec){
                .pid = 114, .comm = "nc", .argv = "nc\0", .argv_len = 3, .state = 1 });
        p.mm = fake_linux_task(fl, task)->mm;
        p.file = new_file(fl, "busybox", 9);
        uint64_t special = fake_linux_kalloc(fl, 32);
        fake_linux_write_u64(fl, special, kstr(fl, "[vdso]"));
        p.vma[0] = new_vma(fl, 0x400000, 0x585000, 0x875 /* r-x + VM_MAY* + DENYWRITE */, 0, p.file, 0, 0);
        p.vma[1] = new_vma(fl, 0x5e2000, 0x5e5000, 0x100073, 0x1e1, p.file, 0, 0);
        p.vma[2] = new_vma(fl, 0x5e5000, 0x5ec000, 0x100073, 0x5e5, 0, 0, 0);           /* bss: anonymous */
        p.vma[3] = new_vma(fl, 0x2b05e000, 0x2b080000, 0x100073, 0x2b05e, 0, 0, 0);     /* heap */
        p.vma[4] = new_vma(fl, 0x7fffbedbb000, 0x7fffbeddc000, 0x100173, 0x7fffbedbb, 0, 0, 0); /* stack */
        p.vma[5] = new_vma(fl, 0x7fffbede6000, 0x7fffbede8000, 0x8000c8 | 0x5, 0, 0, SPECIAL_OPS, special);
        fake_linux_write_u64(fl, p.mm + MM_START_BRK, 0x2b05e000);
        fake_linux_write_u64(fl, p.mm + MM_BRK, 0x2b07f000);
        fake_linux_write_u64(fl, p.mm + MM_START_STACK, 0x7fffbeddbe50);
        fake_linux_write_u32(fl, p.mm + MM_MAP_COUNT, 6);
        if (maple) {
                /* One leaf: gaps between the regions are NULL slots. */
                uint64_t piv[13], slots[14];
                size_t n = 0;
                uint64_t at = 0;
                for (size_t i = 0; i < 6; i++) {
                        uint64_t s = fake_read_u64(fl->g, fake_linux_pa(fl, p.vma[i] + VMA_START));
                        uint64_t e = fake_read_u64(fl->g, fake_linux_pa(fl, p.vma[i] + VMA_END));
                        if (s > at) {
                                piv[n] = s - 1;
                                slots[n++] = 0;
                        }
                        piv[n] = e - 1;
                        slots[n++] = p.vma[i];
                        at = e;
                }
                piv[n] = UINT64_MAX;
                slots[n++] = 0;
                slots[n] = 0;
                uint64_t leaf = fake_maple_node(fl, LX_MAPLE_LEAF_64, piv, slots, n, (unsigned)n - 1);
                fake_linux_write_u64(fl, p.mm + MM_MT + 8, leaf);
        } else {
                fake_linux_write_u64(fl, p.mm + MM_MMAP, p.vma[0]);
                for (size_t i = 0; i + 1 < 6; i++)
                        fake_linux_write_u64(fl, p.vma[i] + VMA_NEXT, p.vma[i + 1]);
        }
        return p;
}

static hvs_vma_list *maps_of(struct fake_linux *fl, const struct lx_maps_offsets *o, uint64_t mm,
                             const hvs_linux_limits *limits) {
        hvs_linux *k = NULL;
        hvs_vma_list *l = NULL;
        assert_int_equal(fake_linux_open(fl, limits, &k), 0);
        assert_int_equal(lx_maps_walk(k, o, mm, &l), 0);
        hvs_linux_close(k);
        return l;
}

static void check_proc(const struct proc *p, const hvs_vma_list *l, const char *source) {
        static const struct {
                uint64_t start, end;
                const char *perms;
                uint64_t offset;
                uint32_t major, minor;
                uint64_t inode;
                enum hvs_vma_kind kind;
                const char *name;
        } want[] = {
                { 0x400000, 0x585000, "r-xp", 0, 8, 1, 9, HVS_VMA_FILE, "busybox" },
                { 0x5e2000, 0x5e5000, "rw-p", 0x1e1000, 8, 1, 9, HVS_VMA_FILE, "busybox" },
                { 0x5e5000, 0x5ec000, "rw-p", 0, 0, 0, 0, HVS_VMA_ANON, "" },
                { 0x2b05e000, 0x2b080000, "rw-p", 0, 0, 0, 0, HVS_VMA_HEAP, "[heap]" },
                { 0x7fffbedbb000, 0x7fffbeddc000, "rw-p", 0, 0, 0, 0, HVS_VMA_STACK, "[stack]" },
                { 0x7fffbede6000, 0x7fffbede8000, "r-xs", 0, 0, 0, 0, HVS_VMA_SPECIAL, "[vdso]" },
        };
        assert_false(l->truncated);
        assert_string_equal(l->source, source);
        assert_int_equal(l->mm.v, p->mm);
        assert_int_equal(l->map_count, 6);
        assert_int_equal(l->n, 6);
        for (size_t i = 0; i < 6; i++) {
                const hvs_vma *v = &l->vmas[i];
                assert_int_equal(v->addr.v, p->vma[i]);
                assert_int_equal(v->start, want[i].start);
                assert_int_equal(v->end, want[i].end);
                assert_string_equal(v->perms, want[i].perms);
                assert_int_equal(v->offset, want[i].offset);
                assert_int_equal(v->dev_major, want[i].major);
                assert_int_equal(v->dev_minor, want[i].minor);
                assert_int_equal(v->inode, want[i].inode);
                assert_int_equal(v->kind, want[i].kind);
                assert_string_equal(v->name, want[i].name);
                assert_int_equal(v->file.v, want[i].kind == HVS_VMA_FILE ? p->file : 0);
                /* The fake kernel has no path layout: a file is named by its dentry only. */
                assert_int_equal(v->partial, want[i].kind == HVS_VMA_FILE ? HVS_VMA_PARTIAL_PATH : 0);
        }
}

static void test_maps_maple(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, true);
        struct lx_maps_offsets o = test_offsets(true);
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        check_proc(&p, l, "maple");
        hvs_vma_list_free(l);
}

static void test_maps_list(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, false);
        struct lx_maps_offsets o = test_offsets(false);
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        check_proc(&p, l, "list");
        hvs_vma_list_free(l);
}

/* A vm_next cycle cannot loop: regions must ascend, so it stops as an overlap. */
static void test_maps_list_cycle(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, false);
        fake_linux_write_u64(fl, p.vma[4] + VMA_NEXT, p.vma[1]);
        struct lx_maps_offsets o = test_offsets(false);
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EBADMSG);
        assert_int_equal(l->n, 5);
        assert_non_null(strstr(l->trunc_msg, "overlaps"));
        hvs_vma_list_free(l);
        fake_linux_write_u64(fl, p.vma[2] + VMA_NEXT, p.vma[2]);      /* self loop */
        l = maps_of(fl, &o, p.mm, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->n, 3);
        hvs_vma_list_free(l);
}

static void test_maps_list_broken(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, false);
        fake_linux_write_u64(fl, p.vma[3] + VMA_NEXT, UNMAPPED_KVA);
        struct lx_maps_offsets o = test_offsets(false);
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EFAULT);
        assert_int_equal(l->n, 4);
        hvs_vma_list_free(l);
}

static void test_maps_limit(void **state) {
        struct fake_linux *fl = *state;
        for (int maple = 0; maple < 2; maple++) {
                struct proc p = build_proc(fl, maple);
                struct lx_maps_offsets o = test_offsets(maple);
                hvs_vma_list *l = maps_of(fl, &o, p.mm, &(hvs_linux_limits){ .max_vmas = 6 });
                assert_false(l->truncated);
                assert_int_equal(l->n, 6);
                hvs_vma_list_free(l);
                l = maps_of(fl, &o, p.mm, &(hvs_linux_limits){ .max_vmas = 4 });
                assert_true(l->truncated);
                assert_int_equal(l->trunc_err, -E2BIG);
                assert_int_equal(l->n, 4);
                hvs_vma_list_free(l);
        }
}

/* A VMA stored under a range other than its own is corrupt. */
static void test_maps_maple_range_mismatch(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, true);
        fake_linux_write_u64(fl, p.vma[3] + VMA_END, 0x2b090000);
        struct lx_maps_offsets o = test_offsets(true);
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        assert_true(l->truncated);
        assert_int_equal(l->trunc_err, -EBADMSG);
        assert_int_equal(l->n, 4);      /* kept, then the walk stopped */
        hvs_vma_list_free(l);
}

/* Unreadable file, inode and special name: the region stays, marked partial. */
static void test_maps_partial_fields(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, true);
        fake_linux_write_u64(fl, p.file + FILE_INODE, UNMAPPED_KVA);
        fake_linux_write_u64(fl, p.file + FILE_DENTRY, 0);
        fake_linux_write_u64(fl, p.vma[5] + VMA_PRIVATE, UNMAPPED_KVA);
        struct lx_maps_offsets o = test_offsets(true);
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        assert_false(l->truncated);
        assert_int_equal(l->n, 6);
        assert_int_equal(l->vmas[0].partial, HVS_VMA_PARTIAL_FILE | HVS_VMA_PARTIAL_PATH);
        assert_int_equal(l->vmas[0].inode, 0);
        assert_string_equal(l->vmas[0].name, "");
        assert_int_equal(l->vmas[5].partial, HVS_VMA_PARTIAL_NAME);
        assert_int_equal(l->vmas[5].kind, HVS_VMA_SPECIAL);
        hvs_vma_list_free(l);
}

/* Unknown special ops (symbols absent): the vdso is just anonymous. */
static void test_maps_no_special_symbols(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, true);
        struct lx_maps_offsets o = test_offsets(true);
        o.special_ops[0] = 0;
        hvs_vma_list *l = maps_of(fl, &o, p.mm, NULL);
        assert_int_equal(l->vmas[5].kind, HVS_VMA_ANON);
        assert_string_equal(l->vmas[5].name, "");
        hvs_vma_list_free(l);
}

static void test_maps_errors(void **state) {
        struct fake_linux *fl = *state;
        struct proc p = build_proc(fl, true);
        hvs_linux *k = NULL;
        hvs_vma_list *l = NULL;
        assert_int_equal(fake_linux_open(fl, NULL, &k), 0);
        struct lx_maps_offsets o = test_offsets(true);
        assert_int_equal(lx_maps_walk(k, &o, 0, &l), -ENOENT);
        assert_int_equal(lx_maps_walk(k, &o, UNMAPPED_KVA, &l), -EFAULT);
        o.vma_flags = VMA_SIZE;
        assert_int_equal(lx_maps_walk(k, &o, p.mm, &l), -EBADMSG);
        assert_null(l);
        /* The fake kernel's BTF has no vm_area_struct: the public call says so. */
        hvs_task t = { .pid = 114, .mm = HVS_GVA(p.mm) };
        assert_int_equal(hvs_linux_task_maps(k, &t, &l), -ENOENT);
        t.kthread = true;
        assert_int_equal(hvs_linux_task_maps(k, &t, &l), -ENOENT);
        assert_null(l);
        hvs_linux_close(k);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define T5(f) cmocka_unit_test_setup_teardown(f, setup5, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_maple_leaf_root),
                T5(test_maple_leaf_root),
                T(test_maple_root_forms),
                T(test_maple_two_levels),
                T5(test_maple_two_levels),
                T(test_maple_callback_stops),
                T(test_maple_max_entries),
                T(test_maple_cycle_to_ancestor),
                T(test_maple_node_reached_twice),
                T(test_maple_descending_pivots),
                T(test_maple_bad_node_types),
                T(test_maple_bad_pointers),
                T(test_maple_bad_data_end),
                T(test_maple_bad_offsets),
                T(test_maple_depth_limit),
                T(test_maps_maple),
                T5(test_maps_maple),
                T(test_maps_list),
                T(test_maps_list_cycle),
                T(test_maps_list_broken),
                T(test_maps_limit),
                T(test_maps_maple_range_mismatch),
                T(test_maps_partial_fields),
                T(test_maps_no_special_symbols),
                T(test_maps_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
